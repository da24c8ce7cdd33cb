package io.hapg.hikari;

import jakarta.persistence.Entity;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.util.function.Function;
import javax.sql.DataSource;
import org.hibernate.SessionFactory;
import org.hibernate.boot.MetadataSources;
import org.hibernate.boot.registry.StandardServiceRegistry;
import org.hibernate.boot.registry.StandardServiceRegistryBuilder;
import org.hibernate.cfg.JdbcSettings;
import org.springframework.orm.jpa.EntityManagerFactoryUtils;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.vendor.HibernateJpaDialect;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The JPA side of {@link SpringRetryRecipeIT}: Hibernate on a {@link PrimaryDataSource}, Spring's
 * {@link JpaTransactionManager} with the {@link HibernateJpaDialect} Spring Boot installs, and the
 * exception translation {@code @Repository} (and Spring Data JPA) applies to data access code.
 */
final class JpaRecipe implements AutoCloseable {
    /** The orders table as an entity. */
    @Entity
    @Table(name = "orders")
    static class PlacedOrder {
        @Id
        long id;

        PlacedOrder() {
        }

        PlacedOrder(long id) {
            this.id = id;
        }
    }

    private final SessionFactory jpa;
    private final HibernateJpaDialect dialect = new HibernateJpaDialect();
    private final TransactionTemplate tx;

    JpaRecipe(DataSource ds) {
        StandardServiceRegistry registry = new StandardServiceRegistryBuilder()
                .applySetting(JdbcSettings.JAKARTA_NON_JTA_DATASOURCE, ds).build();
        jpa = new MetadataSources(registry).addAnnotatedClass(PlacedOrder.class).buildMetadata()
                .buildSessionFactory();
        JpaTransactionManager manager = new JpaTransactionManager(jpa);
        manager.setJpaDialect(dialect);
        tx = new TransactionTemplate(manager);
    }

    /** Runs {@code work} in a transaction; its exceptions translated as a {@code @Repository}'s are. */
    <T> T inTransaction(Function<EntityManager, T> work) {
        return tx.execute(status -> {
            EntityManager em = EntityManagerFactoryUtils.getTransactionalEntityManager(jpa);
            try {
                return work.apply(em);
            } catch (RuntimeException e) {
                RuntimeException translated = dialect.translateExceptionIfPossible(e);
                throw translated != null ? translated : e;
            }
        });
    }

    @Override
    public void close() {
        jpa.close();
    }
}
