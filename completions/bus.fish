# fish completion for bus (LibBus): verbs, options, and bus key files under
# $XDG_RUNTIME_DIR/bus (or /run/bus) for PATH. A static script: bus itself runs no
# completion code. install.sh puts it in PREFIX/share/fish/vendor_completions.d/bus.fish.

set -l verbs create remove broadcast listen wait chmod chown chgrp status list gc run bridge help

# The key files in the default bus directory.
function __bus_default_buses
    set -l dir /run/bus
    if test -n "$XDG_RUNTIME_DIR"
        set dir $XDG_RUNTIME_DIR/bus
    end
    for f in $dir/*
        test -f $f; and echo $f
    end
end

complete -c bus -f
complete -c bus -n "not __fish_seen_subcommand_from $verbs" -s h -l help -d 'Show help'
complete -c bus -n "not __fish_seen_subcommand_from $verbs" -l version -d 'Show the version'
complete -c bus -n "not __fish_seen_subcommand_from $verbs" -a create -d 'Create a bus'
complete -c bus -n "not __fish_seen_subcommand_from $verbs" -a remove -d 'Remove a bus'
complete -c bus -n "not __fish_seen_subcommand_from $verbs" -a broadcast -d 'Broadcast a message'
complete -c bus -n "not __fish_seen_subcommand_from $verbs" -a listen -d 'Print each message, or run a command for each'
complete -c bus -n "not __fish_seen_subcommand_from $verbs" -a wait -d 'Wait for one message'
complete -c bus -n "not __fish_seen_subcommand_from $verbs" -a chmod -d 'Change who may use a bus'
complete -c bus -n "not __fish_seen_subcommand_from $verbs" -a chown -d 'Change the owner of a bus'
complete -c bus -n "not __fish_seen_subcommand_from $verbs" -a chgrp -d 'Change the group of a bus'
complete -c bus -n "not __fish_seen_subcommand_from $verbs" -a status -d 'Show what a bus is doing'
complete -c bus -n "not __fish_seen_subcommand_from $verbs" -a list -d 'List the buses in a directory'
complete -c bus -n "not __fish_seen_subcommand_from $verbs" -a gc -d 'Remove what was left behind'
complete -c bus -n "not __fish_seen_subcommand_from $verbs" -a run -d 'Run a command with a private bus'
complete -c bus -n "not __fish_seen_subcommand_from $verbs" -a bridge -d 'Bridge a bus to NATS'
complete -c bus -n "not __fish_seen_subcommand_from $verbs" -a help -d 'Show help for a verb'

# PATH: the default directory's buses, and any file.
complete -c bus -n "__fish_seen_subcommand_from create remove broadcast listen wait chmod chown chgrp status bridge" -F -a "(__bus_default_buses)"
complete -c bus -n "__fish_seen_subcommand_from help" -a "$verbs"
complete -c bus -n "__fish_seen_subcommand_from list gc run" -F

complete -c bus -n "__fish_seen_subcommand_from $verbs" -s h -l help -d 'Show help'
complete -c bus -n "__fish_seen_subcommand_from create" -s x -l exclusive -d 'Fail if PATH exists'
complete -c bus -n "__fish_seen_subcommand_from remove" -s f -l force -d 'A missing or stale bus is not an error'
complete -c bus -n "__fish_seen_subcommand_from remove chmod chown chgrp" -l allow-owner-mismatch -d 'Act even if the owners differ'
complete -c bus -n "__fish_seen_subcommand_from broadcast" -s n -l nowait -d 'Fail at once (exit 3) while the bus is taken'
complete -c bus -n "__fish_seen_subcommand_from broadcast listen wait" -s t -l timeout -x -d 'Duration (500ms, 2s, 1m)'
complete -c bus -n "__fish_seen_subcommand_from listen wait" -s 0 -l null -d 'End each message with NUL'
complete -c bus -n "__fish_seen_subcommand_from listen wait" -l ready -d 'Say on stderr once listening'
complete -c bus -n "__fish_seen_subcommand_from listen wait bridge" -l ready-file -r -F -d 'Write the pid to FILE once ready'
complete -c bus -n "__fish_seen_subcommand_from listen wait" -s m -l match -x -d 'Only messages a .NET regex matches'
complete -c bus -n "__fish_seen_subcommand_from listen" -s c -l count -x -d 'Stop after N messages'
complete -c bus -n "__fish_seen_subcommand_from listen" -l json -d 'Print each message as a JSON line'
complete -c bus -n "__fish_seen_subcommand_from listen" -s j -l jobs -x -d 'At most N commands at once (0: no limit)'
complete -c bus -n "__fish_seen_subcommand_from status list" -l json -d 'Print JSON'
complete -c bus -n "__fish_seen_subcommand_from gc" -s n -l dry-run -d 'Change nothing'
complete -c bus -n "__fish_seen_subcommand_from gc" -l orphans -d 'Also unused bus-shaped IPC objects'
complete -c bus -n "__fish_seen_subcommand_from gc" -l min-idle -x -d 'Idle time for --orphans'
complete -c bus -n "__fish_seen_subcommand_from run" -l dir -x -a "(__fish_complete_directories)" -d 'Directory of the bus'
complete -c bus -n "__fish_seen_subcommand_from bridge" -s s -l server -x -d 'NATS servers'
complete -c bus -n "__fish_seen_subcommand_from bridge" -l subject -x -d 'NATS subject'
complete -c bus -n "__fish_seen_subcommand_from bridge" -s d -l direction -x -a "out in both" -d 'Direction'
complete -c bus -n "__fish_seen_subcommand_from bridge" -l durable -x -d 'JetStream consumer'
complete -c bus -n "__fish_seen_subcommand_from bridge" -l stream -x -d 'JetStream stream'
complete -c bus -n "__fish_seen_subcommand_from bridge" -l replicas -x -d 'Stream replicas'
complete -c bus -n "__fish_seen_subcommand_from bridge" -l user -x -d 'NATS user'
complete -c bus -n "__fish_seen_subcommand_from bridge" -l password-file -r -F -d 'File with the password'
complete -c bus -n "__fish_seen_subcommand_from bridge" -l token-file -r -F -d 'File with the token'
complete -c bus -n "__fish_seen_subcommand_from bridge" -l creds -r -F -d 'Credentials file'
complete -c bus -n "__fish_seen_subcommand_from bridge" -l tls-ca -r -F -d 'CA certificate'
complete -c bus -n "__fish_seen_subcommand_from bridge" -l tls-cert -r -F -d 'Client certificate'
complete -c bus -n "__fish_seen_subcommand_from bridge" -l tls-key -r -F -d 'Client key'
complete -c bus -n "__fish_seen_subcommand_from bridge" -l stats -x -d 'Print counters every DURATION'
