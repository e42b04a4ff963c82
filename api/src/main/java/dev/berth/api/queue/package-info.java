/**
 * What Berth's durable work queues share (the mail outbox, webhook deliveries). A queue is a table:
 * a worker claims due rows with {@code SELECT ... FOR UPDATE SKIP LOCKED} (PostgreSQL and H2 both
 * support it, so several API replicas share the work and never take the same row), moves their
 * due time forward by a lease and counts the attempt in the same transaction, commits, and only
 * then does the slow work; a worker that dies mid-attempt leaves the row to come back when its
 * lease ends. {@link dev.berth.api.queue.RetrySchedule} spaces the attempts.
 */
package dev.berth.api.queue;
