/**
 * The item index tables (migration 2; see pg-item-index.ts for how they are used).
 * The per-key columns are not here: they are added by the index itself when a key
 * first appears in the schema (ALTER TABLE … ADD COLUMN, inside the schema write).
 */
export const PG_ITEM_INDEX_DDL = `
  -- One typed column per schema key (k<slot>, plus f<slot>, the case-folded form of
  -- a string), added when a key first appears; a slot is never reused, so a deleted
  -- key that is restored finds its column again. signature: the live type object the
  -- column was derived with (JSON), or NULL while the key is deleted.
  CREATE TABLE index_slots (
    key text COLLATE "C" PRIMARY KEY,
    slot integer NOT NULL UNIQUE,
    signature text
  );

  -- A random token replaced by every schema change of the index (and every rebuild):
  -- a process keeps the column layout it last read for as long as the token is the
  -- same, and a token written by a transaction that rolled back is never seen again.
  CREATE TABLE index_state (
    id integer PRIMARY KEY CHECK (id = 1),
    token text NOT NULL
  );
  INSERT INTO index_state (id, token) VALUES (1, 'initial');

  -- One row per item: its built-in fields and, in the slot columns, each metadata
  -- value normalised for comparison, or NULL when the item lacks the key or its value
  -- does not fit the key's current type. Text columns are COLLATE "C" (code-point
  -- order, as SQLite's BINARY). words: every varchar/text word, written s<slot>x<word>,
  -- behind one GIN index (matches is words @> ARRAY[…]).
  --
  -- A b-tree entry holds at most about 2,700 bytes, and a name or varchar value can be
  -- longer, so text columns are indexed on their first 512 characters (left(v, 512)):
  -- the queries compare that prefix as well, which keeps them exact.
  CREATE TABLE item_index (
    uuid text COLLATE "C" PRIMARY KEY REFERENCES items (uuid) ON DELETE CASCADE,
    folder_uuid text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    name_folded text COLLATE "C",
    item_type text COLLATE "C" NOT NULL,
    created_ms bigint NOT NULL,
    edited_ms bigint NOT NULL,
    words text[] NOT NULL DEFAULT '{}'
  );
  CREATE INDEX item_index_by_folder ON item_index (folder_uuid);
  CREATE INDEX item_index_by_name ON item_index (left(name, 512));
  CREATE INDEX item_index_by_created ON item_index (created_ms);
  CREATE INDEX item_index_words ON item_index USING gin (words);
`;
