-- Issue 13: after a major incident the center opens work itself, before any victim asks (its
-- incident ledger): a case the center holds, with no requester and no receipt, under which staff
-- record the copies its patrol finds and the holders near the scene. Its channel is 'center' and
-- its requester 'center'. Both are new values of a CHECK constraint; widening a CHECK that every
-- stored row already passes needs no rebuild of the table (and of the ten tables whose rows cascade
-- from it): the table's definition is edited in place, as sqlite.org/lang_altertable.html, "Making
-- Other Kinds Of Table Schema Changes", describes. The runner raises the schema version after a
-- migration that does this, so that every connection reads the new definition.
PRAGMA writable_schema=ON;
UPDATE sqlite_schema
   SET sql = replace(replace(sql,
       '''police'', ''hospital'')', '''police'', ''hospital'', ''center'')'),
       '''representative'', ''relative'')', '''representative'', ''relative'', ''center'')')
 WHERE type = 'table' AND name = 'cases';
PRAGMA writable_schema=OFF;
