#!/bin/sh
# Test fixture: rgmanager's ip meta-data only (section 7); the bundled agent implements the operations.
case "$1" in
meta-data) cat "$(dirname "$0")/../metadata/ip.xml"; exit 0 ;;
*) exit 3 ;;
esac
