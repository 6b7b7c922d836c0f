-- hand-written: the indexes behind customers(search) / staffUsers(search) and their listings
-- (services/userSearch.ts). No datamodel change: Prisma never sees these objects.

-- a trigram index answers `"searchDocument" LIKE '%term%'` for any term of 3 characters or more,
-- wherever it falls in the text; PostgreSQL keeps it on every write of the column, whatever writes it
-- (pg_trgm is a trusted extension: the database owner may create it without superuser)
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "User_searchDocument_trgm_idx" ON "User" USING gin ("searchDocument" gin_trgm_ops);

-- customers and staffUsers list one side of isStaff newest first (id breaks ties, for cursors):
-- a page, at any depth, is a short walk of this index
CREATE INDEX "User_isStaff_dateJoined_id_idx" ON "User" ("isStaff", "dateJoined", "id");

-- LIKE estimates come from a sample of the column: a larger one tells rare terms from common ones
ALTER TABLE "User" ALTER COLUMN "searchDocument" SET STATISTICS 1000;
ANALYZE "User";
