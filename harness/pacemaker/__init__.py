"""The Pacemaker side of the bench: a cluster.conf translated into corosync.conf and a starting CIB."""
