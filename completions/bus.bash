# bash completion for bus (LibBus): verbs, options, and bus key files under
# $XDG_RUNTIME_DIR/bus (or /run/bus) for PATH. A static script: bus itself runs no
# completion code. install.sh puts it in PREFIX/share/bash-completion/completions/bus.

# The key files in the default bus directory, one per line.
_bus_default_buses() {
    local dir f
    dir=${XDG_RUNTIME_DIR:+$XDG_RUNTIME_DIR/bus}
    dir=${dir:-/run/bus}
    for f in "$dir"/*; do
        [ -f "$f" ] && printf '%s\n' "$f"
    done
}

_bus() {
    local cur prev verb i n word
    local verbs="create remove broadcast listen wait chmod chown chgrp status list gc run bridge help"
    # Options that take a value (the next word is that value, not an argument).
    local valued="-t --timeout -c --count -j --jobs -m --match --ready-file --min-idle --dir -s --server
        --subject -d --direction --durable --stream --replicas --user --password-file --token-file
        --creds --tls-ca --tls-cert --tls-key --stats"
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}

    # The verb, and how many arguments (not options or their values) come before the word completed.
    verb=
    n=0
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        if [ -z "$verb" ]; then
            case $word in
                -*) ;;
                *) verb=$word ;;
            esac
            continue
        fi
        case " $valued " in
            *" $word "*) ((i++)); continue ;;
        esac
        case $word in
            --) ;;
            -*) ;;
            *) ((n++)) ;;
        esac
    done

    if [ -z "$verb" ]; then
        case $cur in
            -*) mapfile -t COMPREPLY < <(compgen -W "-h --help --version -x -n" -- "$cur") ;;
            *) mapfile -t COMPREPLY < <(compgen -W "$verbs" -- "$cur") ;;
        esac
        return 0
    fi

    case $prev in
        --ready-file | --password-file | --token-file | --creds | --tls-ca | --tls-cert | --tls-key)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            return 0 ;;
        --dir)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -d -- "$cur")
            return 0 ;;
        -d | --direction)
            mapfile -t COMPREPLY < <(compgen -W "out in both" -- "$cur")
            return 0 ;;
        -t | --timeout | -c | --count | -j | --jobs | -m | --match | --min-idle | -s | --server | --subject | \
            --durable | --stream | --replicas | --user | --stats)
            return 0 ;;
    esac

    local opts
    case $verb in
        create) opts="-x --exclusive" ;;
        remove) opts="-f --force --allow-owner-mismatch" ;;
        broadcast) opts="-n --nowait -t --timeout" ;;
        listen) opts="-0 --null --json --ready --ready-file -m --match -c --count -t --timeout -j --jobs" ;;
        wait) opts="-0 --null --ready --ready-file -m --match -t --timeout" ;;
        chmod | chown | chgrp) opts="--allow-owner-mismatch" ;;
        status | list) opts="--json" ;;
        gc) opts="-n --dry-run --orphans --min-idle" ;;
        run) opts="--dir" ;;
        bridge) opts="-s --server --subject -d --direction --durable --stream --replicas --user --password-file
            --token-file --creds --tls-ca --tls-cert --tls-key --stats --ready-file" ;;
        *) opts= ;;
    esac
    case $cur in
        -*)
            mapfile -t COMPREPLY < <(compgen -W "$opts -h --help" -- "$cur")
            return 0 ;;
    esac

    # The arguments: PATH is a bus (the default directory's, or any file); the rest is free text.
    local path_at=0
    case $verb in
        help)
            [ "$n" -eq 0 ] && mapfile -t COMPREPLY < <(compgen -W "$verbs" -- "$cur")
            return 0 ;;
        list | gc)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -d -- "$cur")
            return 0 ;;
        run)
            [ "$n" -eq 0 ] && mapfile -t COMPREPLY < <(compgen -c -- "$cur")
            return 0 ;;
        chown)
            if [ "$n" -eq 0 ]; then mapfile -t COMPREPLY < <(compgen -u -- "$cur"); return 0; fi
            path_at=1 ;;
        chgrp)
            if [ "$n" -eq 0 ]; then mapfile -t COMPREPLY < <(compgen -g -- "$cur"); return 0; fi
            path_at=1 ;;
        chmod)
            if [ "$n" -eq 0 ]; then mapfile -t COMPREPLY < <(compgen -W "600 660 666 u ug ugo +g +o -g -o" -- "$cur"); return 0; fi
            path_at=1 ;;
        create | remove | broadcast | listen | wait | status | bridge) ;;
        *) return 0 ;;
    esac
    [ "$n" -eq "$path_at" ] || return 0
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -W "$(_bus_default_buses)" -- "$cur"; compgen -f -- "$cur")
    return 0
}

complete -F _bus bus
