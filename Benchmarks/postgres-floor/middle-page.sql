-- The middle page: the account, the back walk that declines, then the page found through the chunks (variables: key, account, offset).
SELECT id, name, api_key, hash_digest, api_enabled, created_at FROM accounts WHERE api_key = :key;
WITH total AS MATERIALIZED (
    SELECT coalesce(sum(entries), 0)::BIGINT AS n FROM blacklist_sizes WHERE account_id = :account)
SELECT n,
       CASE WHEN n - :offset <= 4096 THEN
         ARRAY(SELECT number FROM
                 (SELECT number, added_at, seq FROM blacklist WHERE account_id = :account
                  ORDER BY added_at DESC, seq DESC
                  LIMIT greatest(least(100, (SELECT n FROM total) - :offset), 0)
                  OFFSET greatest((SELECT n FROM total) - :offset - 100, 0)) AS tail
               ORDER BY added_at, seq)
       END
FROM total;
WITH placed AS MATERIALIZED (
    SELECT a, s, n, sum(n) OVER (ORDER BY a, s) - n AS before
    FROM (SELECT start_added_at AS a, start_seq AS s, sum(entries)::INTEGER AS n FROM blacklist_chunks
          WHERE account_id = :account GROUP BY 1, 2) AS chunks),
bounds AS MATERIALIZED (
    SELECT coalesce(
             (SELECT p.before + (SELECT count(*) FROM blacklist
                                 WHERE account_id = :account AND (added_at, seq) >= (p.a, p.s)
                                   AND added_at < (-9223372036854775808))
              FROM placed AS p WHERE (p.a, p.s) <= ((-9223372036854775808), -9223372036854775808)
              ORDER BY p.a DESC, p.s DESC LIMIT 1), 0) AS low,
           CASE WHEN NULL::BIGINT IS NULL THEN (SELECT coalesce(sum(n), 0) FROM placed)
           ELSE coalesce(
             (SELECT p.before + (SELECT count(*) FROM blacklist
                                 WHERE account_id = :account AND (added_at, seq) >= (p.a, p.s)
                                   AND added_at < NULL)
              FROM placed AS p WHERE (p.a, p.s) <= (NULL, -9223372036854775808)
              ORDER BY p.a DESC, p.s DESC LIMIT 1), 0) END AS high),
start AS MATERIALIZED (
    SELECT a, s, before FROM placed WHERE before <= (SELECT low FROM bounds) + :offset
    ORDER BY a DESC, s DESC LIMIT 1)
SELECT greatest((SELECT high - low FROM bounds), 0)::BIGINT,
       ARRAY(SELECT number FROM blacklist
             WHERE account_id = :account
               AND (added_at, seq) >= ((SELECT a FROM start), (SELECT s FROM start))
               AND added_at < coalesce(NULL, 9223372036854775807)
             ORDER BY added_at, seq
             OFFSET (SELECT low FROM bounds) + :offset - (SELECT before FROM start) LIMIT 100);
