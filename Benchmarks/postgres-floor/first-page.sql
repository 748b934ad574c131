-- The first page: Engel's statements before issue 19 (the account by its key, then the front page).
SELECT id, name, api_key, hash_digest, api_enabled, created_at FROM accounts WHERE api_key = :key;
SELECT (SELECT coalesce(sum(entries), 0)::BIGINT FROM blacklist_sizes WHERE account_id = :account),
       ARRAY(SELECT number FROM blacklist WHERE account_id = :account ORDER BY added_at, seq LIMIT 100 OFFSET 0);
