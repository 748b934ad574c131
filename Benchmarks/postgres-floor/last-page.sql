-- The last page: the account, then the page walked back from the end (variables: key, account, offset).
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
