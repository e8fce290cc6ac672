#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make bench: overhead figures of energyd (root).
set -eu
out=${1:-build}
exec "$out/bench" "$out/energyd"
