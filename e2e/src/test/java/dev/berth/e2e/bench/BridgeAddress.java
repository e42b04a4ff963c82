package dev.berth.e2e.bench;

import dev.berth.e2e.StackProcess;
import java.io.IOException;

/**
 * A site's IPv4 address that was checked, against the kernel's view of the run's own bridge, to be
 * a host address of that bridge's subnet. The only way to obtain one is {@link #check}, so a
 * benchmark cannot send traffic to a private address it has not verified.
 */
final class BridgeAddress {
    private final String ipv4;

    private BridgeAddress(String ipv4) {
        this.ipv4 = ipv4;
    }

    /** The address, once {@code stack}'s bridge is seen to carry its subnet; throws otherwise. */
    static BridgeAddress check(StackProcess stack, String ipv4) throws IOException {
        if (!stack.onOwnBridge(ipv4)) {
            throw new IllegalStateException(ipv4 + " is not on the run's own bridge " + stack.bridge() + ": no traffic is sent to it");
        }
        return new BridgeAddress(ipv4);
    }

    String ipv4() {
        return ipv4;
    }

    @Override
    public String toString() {
        return ipv4;
    }
}
