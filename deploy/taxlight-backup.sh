#!/bin/sh
# Nightly backup of taxlight: the PostgreSQL database and the ledger anchor file.
# Run by taxlight-backup.timer as the taxlight user. See docs/deploy.md ("Backups").
#
#   BACKUP_DIR     where dumps go (default /var/backups/taxlight); ship it off the host
#   BACKUP_KEEP    days to keep (default 30)
#   BACKUP_REMOTE  optional rsync target for the anchor file, e.g. backup@vault:/taxlight/
set -eu
. /etc/taxlight/taxlight.env 2>/dev/null || true
BACKUP_DIR=${BACKUP_DIR:-/var/backups/taxlight}
BACKUP_KEEP=${BACKUP_KEEP:-30}
VAR_DIR=${TAXLIGHT_VAR_DIR:-/var/lib/taxlight}
STAMP=$(date +%Y%m%d-%H%M%S)

mkdir -p "$BACKUP_DIR"
umask 077
# Custom format: compressed, restorable table by table with pg_restore.
pg_dump --format=custom --no-owner --file="$BACKUP_DIR/taxlight-$STAMP.dump" "$DATABASE_URL"
# The anchor file is append-only: keep every copy; it is what proves the ledger unchanged.
cp "$VAR_DIR/ledger-anchors.log" "$BACKUP_DIR/ledger-anchors-$STAMP.log" 2>/dev/null || true
if [ -n "${BACKUP_REMOTE:-}" ]; then
    rsync -a "$VAR_DIR/ledger-anchors.log" "$BACKUP_REMOTE"
fi
find "$BACKUP_DIR" -name 'taxlight-*.dump' -mtime +"$BACKUP_KEEP" -delete
echo "backup written: $BACKUP_DIR/taxlight-$STAMP.dump"
