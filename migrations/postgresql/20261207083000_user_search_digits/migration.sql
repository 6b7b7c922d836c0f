-- hand-written: the index behind digit terms of customers(search) / staffUsers(search) (a phone or
-- postal-code fragment such as "00-9", "601 234" or "+48 601"; services/users/search.ts). No
-- datamodel change: Prisma never sees these objects (the column is the database's own, computed on
-- every write of the search document, whoever writes it). SQLite needs none: its FTS5 trigram index
-- keeps punctuation.
--
-- pg_trgm reads only letters and digits, so "00-9" gives it the trigrams of the words "00" and "9",
-- which nearly every customer's document has (23,000 candidates at 1M customers to find 500). This
-- text keeps, of the search document, only the digits and the separators typed in numbers, each
-- separator spelled as a letter (' -./()+' as 'abcdefg'), and a line break for everything else, so
-- "00-9" becomes the word fragment "00b9" and its trigrams ("00b", "0b9") are as rare as the term.
-- A term made of those characters only is in the document exactly when its spelling is in this text.
-- WARNING: services/users/search.ts spells terms with the same letters (DIGIT_SEPARATORS).
CREATE FUNCTION user_search_digits(document text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN translate(regexp_replace(document, '[^0-9 ./()+-]+', E'\n', 'g'), ' -./()+', 'abcdefg');

-- stored, not an index expression: an index's recheck and a walk of the listing order would run
-- the regular expression again on every row they read (seen: 25-55 ms instead of 2-5 ms for "00-9")
ALTER TABLE "User" ADD COLUMN "searchDigits" text GENERATED ALWAYS AS (user_search_digits("searchDocument")) STORED;
CREATE INDEX "User_searchDigits_trgm_idx" ON "User" USING gin ("searchDigits" gin_trgm_ops);
ALTER TABLE "User" ALTER COLUMN "searchDigits" SET STATISTICS 1000;
ANALYZE "User";
