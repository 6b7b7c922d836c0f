-- hand-written: the index behind customers(search) / staffUsers(search) (services/userSearch.ts).
-- No datamodel change: Prisma never sees these objects (scripts/lib/schemaEngine.ts names them
-- for the live-schema check, and tests/scripts/migrations.test.ts checks they exist).
-- WARNING: a later migration that rebuilds "User" (Prisma's copy-and-drop) drops the triggers and
-- the index with it, and must create them again (then 'rebuild' the FTS table: rowids change)

-- An FTS5 index of "User"."searchDocument" with the trigram tokenizer: a quoted term of 3
-- characters or more matches wherever it falls in the text, case-insensitively. External content:
-- the text stays in "User" and only the index is stored here, keyed by the user's rowid.
CREATE VIRTUAL TABLE "UserSearch" USING fts5("searchDocument", content='User', content_rowid='rowid', columnsize=0, tokenize='trigram');

-- the triggers keep it on every write path at once (Keystone, services, the seed's raw SQL)
CREATE TRIGGER "User_search_insert" AFTER INSERT ON "User" BEGIN
  INSERT INTO "UserSearch" (rowid, "searchDocument") VALUES (new.rowid, new."searchDocument");
END;
CREATE TRIGGER "User_search_delete" AFTER DELETE ON "User" BEGIN
  INSERT INTO "UserSearch" ("UserSearch", rowid, "searchDocument") VALUES ('delete', old.rowid, old."searchDocument");
END;
CREATE TRIGGER "User_search_update" AFTER UPDATE OF "searchDocument" ON "User" BEGIN
  INSERT INTO "UserSearch" ("UserSearch", rowid, "searchDocument") VALUES ('delete', old.rowid, old."searchDocument");
  INSERT INTO "UserSearch" (rowid, "searchDocument") VALUES (new.rowid, new."searchDocument");
END;

-- the users that exist already
INSERT INTO "UserSearch" ("UserSearch") VALUES ('rebuild');

-- customers and staffUsers list one side of isStaff newest first (id breaks ties, for cursors):
-- a page, at any depth, is a short walk of this index
CREATE INDEX "User_isStaff_dateJoined_id_idx" ON "User" ("isStaff", "dateJoined", "id");
