-- A date-filtered page: the account, then the page found through the chunks (variables: key, account, lower, upper, offset).
SELECT id, name, api_key, hash_digest, api_enabled, created_at FROM accounts WHERE api_key = :key;
WITH placed AS MATERIALIZED (
    SELECT a, s, n, sum(n) OVER (ORDER BY a, s) - n AS before
    FROM (SELECT start_added_at AS a, start_seq AS s, sum(entries)::INTEGER AS n FROM blacklist_chunks
          WHERE account_id = :account GROUP BY 1, 2) AS chunks),
bounds AS MATERIALIZED (
    SELECT coalesce(
             (SELECT p.before + (SELECT count(*) FROM blacklist
                                 WHERE account_id = :account AND (added_at, seq) >= (p.a, p.s)
                                   AND added_at < :lower)
              FROM placed AS p WHERE (p.a, p.s) <= (:lower, -9223372036854775808)
              ORDER BY p.a DESC, p.s DESC LIMIT 1), 0) AS low,
           CASE WHEN :upper::BIGINT IS NULL THEN (SELECT coalesce(sum(n), 0) FROM placed)
           ELSE coalesce(
             (SELECT p.before + (SELECT count(*) FROM blacklist
                                 WHERE account_id = :account AND (added_at, seq) >= (p.a, p.s)
                                   AND added_at < :upper)
              FROM placed AS p WHERE (p.a, p.s) <= (:upper, -9223372036854775808)
              ORDER BY p.a DESC, p.s DESC LIMIT 1), 0) END AS high),
start AS MATERIALIZED (
    SELECT a, s, before FROM placed WHERE before <= (SELECT low FROM bounds) + :offset
    ORDER BY a DESC, s DESC LIMIT 1)
SELECT greatest((SELECT high - low FROM bounds), 0)::BIGINT,
       ARRAY(SELECT number FROM blacklist
             WHERE account_id = :account
               AND (added_at, seq) >= ((SELECT a FROM start), (SELECT s FROM start))
               AND added_at < coalesce(:upper, 9223372036854775807)
             ORDER BY added_at, seq
             OFFSET (SELECT low FROM bounds) + :offset - (SELECT before FROM start) LIMIT 100);
