package dev.berth.cli.commands;

import dev.berth.cli.ExitCodes;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code berth completion bash}: the completion script picocli generates from the command tree.
 * {@code source <(berth completion bash)} in ~/.bashrc; the berth-cli package installs it for
 * every user. zsh reads it too after {@code autoload -U +X bashcompinit && bashcompinit}.
 */
@Command(name = "completion", description = "Print the shell completion script: source <(berth completion bash)")
public final class CompletionCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Parameters(paramLabel = "SHELL", description = "bash (zsh through bashcompinit)", defaultValue = "bash")
    String shell;

    @Override
    public Integer call() {
        if (!"bash".equals(shell) && !"zsh".equals(shell)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "only bash (and zsh through bashcompinit) is supported");
        }
        spec.commandLine().getOut().print(AutoComplete.bash("berth", spec.root().commandLine()));
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
