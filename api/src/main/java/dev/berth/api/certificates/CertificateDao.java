package dev.berth.api.certificates;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;
import org.jdbi.v3.sqlobject.transaction.Transaction;

/** The {@code certificates} table: one row per certificate name, the key sealed (see {@link CertificateStore}). */
@RegisterConstructorMapper(CertificateDao.Row.class)
interface CertificateDao {

    /** One stored row; {@code domains} space-separated. */
    record Row(String name, String domains, String chainPem, String sealedKey, String serialNumber, String issuer,
               Instant notBefore, Instant notAfter, Instant renewAt, String issuedBy, int issuances, int failures,
               String lastError, Instant lastAttempt, Instant nextAttempt) {
    }

    String COLUMNS = """
            name, domains, chain_pem, sealed_key, serial_number, issuer, not_before, not_after, renew_at,
            issued_by, issuances, failures, last_error, last_attempt, next_attempt""";

    @SqlQuery("SELECT " + COLUMNS + " FROM certificates ORDER BY name")
    List<Row> all();

    @SqlQuery("SELECT " + COLUMNS + " FROM certificates WHERE name = :name")
    Optional<Row> find(@Bind("name") String name);

    @SqlUpdate("INSERT INTO certificates (name, domains, issuances, failures, updated_at) VALUES (:name, :domains, 0, 0, :now)")
    void insert(@Bind("name") String name, @Bind("domains") String domains, @Bind("now") Instant now);

    /** Only the leading API replica writes this table, so a look-up before the insert does not race. */
    default void insertIfMissing(String name, String domains, Instant now) {
        if (find(name).isEmpty()) {
            insert(name, domains, now);
        }
    }

    @SqlUpdate("""
            UPDATE certificates SET domains = :domains, chain_pem = :chainPem, sealed_key = :sealedKey,
                serial_number = :serialNumber, issuer = :issuer, not_before = :notBefore, not_after = :notAfter,
                renew_at = :renewAt, issued_by = :issuedBy, issuances = issuances + 1, failures = 0, last_error = NULL,
                last_attempt = :now, next_attempt = NULL, updated_at = :now
            WHERE name = :name
            """)
    void issued(@Bind("name") String name, @Bind("domains") String domains, @Bind("chainPem") String chainPem,
                @Bind("sealedKey") String sealedKey, @Bind("serialNumber") String serialNumber, @Bind("issuer") String issuer,
                @Bind("notBefore") Instant notBefore, @Bind("notAfter") Instant notAfter, @Bind("renewAt") Instant renewAt,
                @Bind("issuedBy") String issuedBy, @Bind("now") Instant now);

    @SqlUpdate("""
            UPDATE certificates SET failures = failures + 1, last_error = :error, last_attempt = :now,
                next_attempt = :nextAttempt, updated_at = :now
            WHERE name = :name
            """)
    void failed(@Bind("name") String name, @Bind("error") String error, @Bind("nextAttempt") Instant nextAttempt,
                @Bind("now") Instant now);

    @SqlUpdate("DELETE FROM certificates WHERE name = :name")
    void delete(@Bind("name") String name);

    @Transaction
    default void recordIssued(String name, String domains, String chainPem, String sealedKey, String serialNumber, String issuer,
                              Instant notBefore, Instant notAfter, Instant renewAt, String issuedBy, Instant now) {
        insertIfMissing(name, domains, now);
        issued(name, domains, chainPem, sealedKey, serialNumber, issuer, notBefore, notAfter, renewAt, issuedBy, now);
    }

    @Transaction
    default void recordFailure(String name, String domains, String error, Instant nextAttempt, Instant now) {
        insertIfMissing(name, domains, now);
        failed(name, error, nextAttempt, now);
    }
}
