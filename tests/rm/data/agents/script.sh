#!/bin/sh
# Test fixture standing in for the bundled script agent: runs the LSB script ${file} <op>; nonzero -> 1.
case "$1" in
meta-data) cat "$(dirname "$0")/../metadata/script.xml"; exit 0 ;;
validate-all) [ -x "$OCF_RESKEY_file" ] || exit 5; exit 0 ;;
start|stop|status|recover)
    [ "$1" = recover ] && set -- restart
    "$OCF_RESKEY_file" "$1" || exit 1
    exit 0 ;;
*) exit 3 ;;
esac
