#!/bin/sh
# Test fixture standing in for the bundled service agent until it exists: its meta-data is rgmanager's
# (reference/rgmanager.md section 7); like service.sh, start/stop of the group itself have nothing to do.
case "$1" in
meta-data) cat "$(dirname "$0")/../metadata/service.xml"; exit 0 ;;
start|stop|status|recover|reconfig|reload|validate-all) exit 0 ;;
*) exit 3 ;;
esac
