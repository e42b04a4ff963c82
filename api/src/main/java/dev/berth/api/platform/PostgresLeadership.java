package dev.berth.api.platform;

import io.dropwizard.lifecycle.Managed;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leadership among API replicas sharing one PostgreSQL database, through session-level advisory
 * locks held on a connection of its own (outside the pool):
 * <ul>
 *   <li>the leader holds the lock {@code (LEADER_CLASS, 0)}; the others try to take it every
 *       {@code checkEvery}. The lock lives exactly as long as the leader's session: a replica that
 *       exits or is killed loses it at once (its socket closes), and a replica that can no longer
 *       reach the database stops leading at its next check, before the server gives the lock to
 *       another (the server frees it only once it sees the session end). So two replicas lead at
 *       once only if the server ended a session whose replica still runs, for at most one check.</li>
 *   <li>each replica holds {@code (REPLICA_CLASS, key)} for its life, which every other replica sees
 *       in {@code pg_locks}: that is how a deploy claimed by a dead replica is told from a running one.</li>
 *   <li>nudges for the leader's loops travel as {@code NOTIFY berth_nudge, 'LOOP'}; the connection
 *       listens while it waits between checks.</li>
 * </ul>
 */
public final class PostgresLeadership implements Leadership, Managed {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresLeadership.class);
    /** "BRTL" and "BRTR": the two advisory lock classes; advisory locks are per database. */
    static final int LEADER_CLASS = 0x4252544c;
    static final int REPLICA_CLASS = 0x42525452;
    private static final String CHANNEL = "berth_nudge";

    private final String url;
    private final Properties properties;
    private final Jdbi jdbi;
    private final Duration checkEvery;
    private final LeaderLoops loops = new LeaderLoops();
    private volatile int key = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
    private volatile boolean leads;
    private volatile boolean running;
    private Connection connection;
    private Thread thread;

    /**
     * @param url        the database's JDBC URL (the pool's)
     * @param properties user, password and the pool's connection properties
     * @param jdbi       the pool, to send nudges and read the living replicas
     * @param checkEvery how often a replica tries to lead, and the leader checks its session
     */
    public PostgresLeadership(String url, Properties properties, Jdbi jdbi, Duration checkEvery) {
        this.url = url;
        this.properties = new Properties();
        this.properties.putAll(properties);
        this.properties.setProperty("ApplicationName", "berth-leadership");
        this.properties.setProperty("tcpKeepAlive", "true");
        this.jdbi = jdbi;
        this.checkEvery = checkEvery;
    }

    /** Connects and tries to lead once before returning: a lone replica leads from its start. */
    @Override
    public void start() {
        running = true;
        try {
            check();
        } catch (SQLException failure) {
            lose(failure);
        }
        thread = new Thread(this::run, "leadership");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void stop() throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.interrupt();
            thread.join(checkEvery.toMillis() * 2 + 1_000);
        }
        synchronized (this) {
            closeConnection();
        }
        leads = false;
    }

    @Override
    public boolean leads() {
        return leads;
    }

    @Override
    public void nudgeLeader(String loop) {
        if (leads) {
            loops.nudge(loop);
            return;
        }
        try {
            jdbi.useHandle(handle -> handle.createQuery("SELECT pg_notify(:channel, :loop)")
                    .bind("channel", CHANNEL).bind("loop", loop).mapTo(String.class).findOne());
        } catch (RuntimeException failure) {
            // The leader's own period still runs the loop.
            LOG.warn("Could not nudge the leader's {}: {}", loop, failure.toString());
        }
    }

    @Override
    public void register(String loop, Runnable nudge) {
        loops.register(loop, nudge);
    }

    @Override
    public int replicaKey() {
        return key;
    }

    @Override
    public Set<Integer> aliveReplicas() {
        Set<Integer> alive = new HashSet<>(jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT objid FROM pg_locks
                        WHERE locktype = 'advisory' AND classid = :class AND objsubid = 2 AND granted
                          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                        """)
                .bind("class", REPLICA_CLASS).mapTo(Long.class).list()).stream().map(Long::intValue).toList());
        alive.add(key);
        return alive;
    }

    private void run() {
        while (running) {
            try {
                check();
                waitForNudges();
            } catch (SQLException failure) {
                lose(failure);
                sleep();
            } catch (InterruptedException stopped) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Connects if needed, then takes the lead if it is free, or proves the session that holds it is alive. */
    private synchronized void check() throws SQLException {
        if (connection == null) {
            connect();
        }
        if (leads) {
            try (Statement statement = connection.createStatement()) {
                statement.setQueryTimeout(timeoutSeconds());
                statement.execute("SELECT 1");
            }
            return;
        }
        if (tryLock(LEADER_CLASS, 0)) {
            leads = true;
            LOG.info("This API replica leads: it runs the reconciler and the platform's other loops");
            loops.nudgeAll();
        }
    }

    private void connect() throws SQLException {
        connection = DriverManager.getConnection(url, properties);
        try {
            while (!tryLock(REPLICA_CLASS, key)) {
                key = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
            }
            try (Statement statement = connection.createStatement()) {
                statement.execute("LISTEN " + CHANNEL);
            }
        } catch (SQLException failure) {
            closeConnection();
            throw failure;
        }
    }

    private boolean tryLock(int lockClass, int lockKey) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
            statement.setQueryTimeout(timeoutSeconds());
            statement.setInt(1, lockClass);
            statement.setInt(2, lockKey);
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                return result.getBoolean(1);
            }
        }
    }

    /** Waits up to one check period for nudges, running each on this replica while it leads. */
    private void waitForNudges() throws SQLException, InterruptedException {
        PGConnection listening;
        synchronized (this) {
            if (connection == null) {
                return;
            }
            listening = connection.unwrap(PGConnection.class);
        }
        PGNotification[] notifications = listening.getNotifications((int) checkEvery.toMillis());
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (notifications != null && leads) {
            for (PGNotification notification : notifications) {
                loops.nudge(notification.getParameter());
            }
        }
    }

    private synchronized void lose(SQLException failure) {
        if (leads) {
            LOG.warn("This API replica stops leading: its database session failed ({})", failure.toString());
        } else if (running) {
            LOG.warn("The leadership session could not reach the database: {}", failure.toString());
        }
        leads = false;
        closeConnection();
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // the session is gone either way
            }
            connection = null;
        }
    }

    private int timeoutSeconds() {
        return (int) Math.max(1, checkEvery.toSeconds());
    }

    private void sleep() {
        try {
            Thread.sleep(checkEvery.toMillis());
        } catch (InterruptedException stopped) {
            Thread.currentThread().interrupt();
        }
    }
}
