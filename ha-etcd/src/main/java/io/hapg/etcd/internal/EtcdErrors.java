package io.hapg.etcd.internal;

import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import io.hapg.core.spi.ConsensusUnavailableException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that waits for jetcd futures and maps their failures. Every wait is bounded by
 * the SPI call's {@link Deadline}; a failure that may heal (no leader, connection lost, a member
 * restarting, a timeout of one attempt) is retried with a short backoff while time remains, so a
 * call survives the loss of one etcd member. When the deadline passes, or the failure cannot heal
 * by retrying (authentication, a rejected request), the call ends with a
 * {@link ConsensusUnavailableException}. A lease that etcd no longer knows is reported as
 * {@link LeaseNotFoundException}, which the lease keeper answers by granting a new one.
 *
 * <p>Retried writes are ambiguous: the first attempt may have been applied before its answer was
 * lost. Each {@link Attempt} receives its attempt number so the caller can tell a first answer from
 * one after a retry and resolve "did my earlier attempt win?" itself.
 */
public final class EtcdErrors {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdErrors.class);
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final String context;

    /** @param context {@code scope/member}, put in front of every message */
    public EtcdErrors(String context) {
        this.context = context;
    }

    /** One attempt of a call: starts the RPC and returns its future. */
    @FunctionalInterface
    public interface Attempt<T> {
        CompletableFuture<T> start(int attempt);
    }

    /**
     * Runs {@code attempt} until it succeeds, fails for good, or {@code deadline} passes.
     *
     * @param what what the call does, for messages ("acquire leader")
     * @throws ConsensusUnavailableException when etcd did not answer in time or refused the call
     * @throws LeaseNotFoundException when etcd does not know the lease the call named
     */
    public <T> T call(String what, Deadline deadline, Attempt<T> attempt) {
        long backoff = FIRST_BACKOFF_NANOS;
        Throwable last = null;
        for (int n = 0; ; n++) {
            long remaining = deadline.remainingNanos();
            if (remaining == 0) {
                throw unavailable(what + ": no answer within " + seconds(deadline.budget())
                        + (last == null ? "" : " (last error: " + describe(last) + ")"), last);
            }
            CompletableFuture<T> future;
            try {
                future = attempt.start(n);
            } catch (RuntimeException e) { // jetcd throws for a closed client
                throw unavailable(what + ": " + describe(e), e);
            }
            try {
                return future.get(remaining, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                future.cancel(true);
                throw unavailable(what + ": no answer within " + seconds(deadline.budget())
                        + (last == null ? "" : " (earlier error: " + describe(last) + ")"), last);
            } catch (InterruptedException e) {
                future.cancel(true);
                Thread.currentThread().interrupt();
                throw unavailable(what + ": interrupted", e);
            } catch (ExecutionException | CompletionException | CancellationException e) {
                Throwable cause = unwrap(e);
                if (isLeaseNotFound(cause)) {
                    throw new LeaseNotFoundException(what + ": " + describe(cause));
                }
                if (!isTransient(cause)) {
                    throw unavailable(what + ": " + hint(cause) + describe(cause), cause);
                }
                last = cause;
                LOG.debug("{} - {}: attempt {} failed, retrying: {}", context, what, n + 1, describe(cause));
                long pause = Math.min(backoff, deadline.remainingNanos());
                if (pause > 0) {
                    LockSupport.parkNanos(pause);
                }
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw unavailable(what + ": interrupted", cause);
                }
                backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
            }
        }
    }

    /** An unavailable-exception with this consensus' context in front of the message. */
    public ConsensusUnavailableException unavailable(String message, Throwable cause) {
        String text = context + " - etcd unavailable: " + message;
        return cause == null ? new ConsensusUnavailableException(text) : new ConsensusUnavailableException(text, cause);
    }

    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static boolean isLeaseNotFound(Throwable t) {
        String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
        return code(t) == Status.Code.NOT_FOUND && message.contains("lease not found");
    }

    /** Failures that another attempt, maybe on another member, may not have. */
    static boolean isTransient(Throwable t) {
        if (t instanceof CancellationException) {
            return false;
        }
        String message = String.valueOf(t.getMessage());
        if (message.contains("invalid auth token") || message.contains("revision of auth store is old")) {
            return true; // jetcd has refreshed the token; the next attempt uses the new one
        }
        switch (code(t)) {
            case UNAVAILABLE:
            case DEADLINE_EXCEEDED:
            case ABORTED:
            case RESOURCE_EXHAUSTED:
            case INTERNAL:
            case UNKNOWN:
            case CANCELLED:
                return true;
            default:
                return false;
        }
    }

    static Status.Code code(Throwable t) {
        if (t instanceof EtcdException) {
            ErrorCode code = ((EtcdException) t).getErrorCode();
            try {
                return Status.Code.valueOf(code.name());
            } catch (IllegalArgumentException e) {
                return Status.Code.UNKNOWN;
            }
        }
        return Status.fromThrowable(t).getCode();
    }

    private static String hint(Throwable t) {
        Status.Code code = code(t);
        if (code == Status.Code.UNAUTHENTICATED || code == Status.Code.PERMISSION_DENIED) {
            return "authentication failed (check the etcd user, password and client certificate): ";
        }
        return "";
    }

    static String describe(Throwable t) {
        if (t instanceof CancellationException) {
            return "cancelled";
        }
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** etcd answered that the lease named in the request does not exist (expired or revoked). */
    public static final class LeaseNotFoundException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LeaseNotFoundException(String message) {
            super(message, null, false, false);
        }
    }
}
