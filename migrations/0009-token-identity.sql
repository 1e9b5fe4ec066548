-- An API token acts as the identity that created it: its spans are signed by that identity, and it can do no more
-- than that identity's current role in the tenant allows. Tokens from before this column act as the default identity.
ALTER TABLE api_tokens ADD COLUMN identity TEXT;
