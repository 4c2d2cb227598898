#!/bin/sh
# A stand-in for `ssh HOST COMMAND` in the multi-node launcher test: no ssh server here, so every "host" is this
# machine. Like ssh, it joins the remaining words and runs them with the shell. Named as a fake on purpose.
shift
exec sh -c "$*"
