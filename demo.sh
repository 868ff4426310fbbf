#!/bin/sh
# A real broadcast to a real listener: create a bus in a temporary directory, start
# 'bus listen' and wait (without sleeping) until it has joined, broadcast, show what the
# listener printed, remove the bus. Uses $BUS, or 'bus' from PATH.
set -eu
bus=${BUS:-bus}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$bus" create "$dir/bus"
echo "created the bus $dir/bus"

mkfifo "$dir/ready"
"$bus" listen --count 1 --ready-file "$dir/ready" "$dir/bus" > "$dir/received" &
listener=$!
read -r _ < "$dir/ready"          # returns once the listener is counted: nothing can be missed
echo "listener $listener has joined"

"$bus" broadcast "$dir/bus" "$$ hello from the demo"
echo "broadcast: $$ hello from the demo"

wait "$listener"
echo "the listener printed: $(cat "$dir/received")"

"$bus" remove "$dir/bus"
echo "removed the bus"
