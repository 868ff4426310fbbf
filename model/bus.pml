/*
 * bus.pml: the bus protocol of docs/PROTOCOL.md, checked with SPIN against the
 * Linux semantics of System V semaphores (semop, semctl SETVAL, SEM_UNDO).
 * model/README.md says what is modelled and what is not; model/check.sh runs
 * the configurations. Every option below is a -D flag of spin (check.sh sets them).
 *
 * Process index p: broadcasters 0 .. NB-1, then listeners NB .. NB+NL-1.
 */

/* ------------------------------------------------------------ configuration */
#ifndef NB
#define NB 1            /* broadcasters (1-2) */
#endif
#ifndef NL
#define NL 2            /* listeners (1-3) */
#endif
#ifndef M
#define M 2             /* messages each broadcaster sends (2-3) */
#endif
#ifndef C_MASK
#define C_MASK 0        /* bit p: process p runs the reference (C) algorithm */
#endif
#ifndef KILL_MASK
#define KILL_MASK 0     /* bit p: process p may be killed (SIGKILL) at any step; one kill per run */
#endif
#ifndef LEAVE_MASK
#define LEAVE_MASK 0    /* bit p: listener p may leave, at any of the points PROTOCOL.md allows; one leave per run */
#endif
#ifndef LATE_MASK
#define LATE_MASK 0     /* bit p: listener p joins only after the first publish */
#endif
#ifndef GIVEUP
#define GIVEUP 0        /* 1: one hardened broadcaster may give up its final wait (step 4) */
#endif
#ifndef GIVEUP_GUESS
#define GIVEUP_GUESS 0  /* 1: the give-up's step 5 raises Q or not, either way (the "middle way" of issue 23: */
#endif                  /*    V(Q) only while no C listener was seen lately; a wrong guess of the watch included) */
#ifndef CGIVEUP
#define CGIVEUP 0       /* 1: one C broadcaster may give up its Z(S) (EINTR: bus_write's fail path, P(N)u; V(X)u) */
#endif
#ifndef REJOIN
#define REJOIN 0        /* 1: the listener that left joins again (with LEAVE_MASK) */
#endif
#ifndef PAIR
#define PAIR 0          /* 1: processes PAIR_A and PAIR_B are two roles of one process: SIGKILLed together, */
#endif                  /*    their undo adjustments summed and applied at once (one kill per run) */
#ifndef PAIR_A
#define PAIR_A 0
#endif
#ifndef PAIR_B
#define PAIR_B 1
#endif
#ifndef CINTR
#define CINTR 0         /* 1: the C listener that may leave (LEAVE_MASK) may instead be interrupted (EINTR) in */
#endif                  /*    Z(Q), Z(S) or Z(N) and take bus_read's fail path */
#ifndef BOUNDQ
#define BOUNDQ 0        /* 1: a hardened listener bounds Q after its join, {Q -= 2, Q += 1} no-wait (LibBus note, bounded Q) */
#endif
#ifndef QMAX
#define QMAX 0          /* n > 0: Q's maximum (the kernel's SEMVMX, 32767) is n: a set that would raise Q above it */
#endif                  /*    fails with ERANGE, applying nothing, also when it completes after sleeping */
#ifndef QBOUNDS
#define QBOUNDS 1       /* with QMAX: how often one hardened call re-bounds Q after ERANGE before it fails (code: 8) */
#endif
#ifndef FUSED45
#define FUSED45 0       /* 1: hardened broadcast steps 4 and 5 as one call {Z(S), P(N)u, V(X)u} */
#endif
#ifndef MUTANT
#define MUTANT 0        /* 0: the hardened algorithm as written; 1-6: the one-step mutants below */
#endif
/* The mutants (each must be caught by some configuration, see check.sh):
 * 1 join split in two calls:     {Z(W), Z(N), V(S)u}; {V(Q)}
 * 2 re-queue split in two calls: {Z(N), V(S)u, P(W)u}; {V(Q)}
 * 3 listener keeps a separate Z(S): {P(S)u}; {Z(S)} before its re-queue
 * 4 broadcast step 1 without V(Q): {P(X)u, Z(W), V(N)u}
 * 5 W raised only at the acknowledgement: wait {Z(Q)}, acknowledge {P(S)u, V(W)u}
 * 6 giving up step 4 without V(Q): {P(N)u, V(X)u} (the step before issue 23)
 */

#define NP (NB + NL)
#define MAXP 5
#define NMSG (NB * M)

/* ------------------------------------------------------------ the semaphore array */
#define S 0
#define W 1
#define X 2
#define Q 3
#define N 4

byte sem[5];
#define SEMS sem[0], sem[1], sem[2], sem[3], sem[4]            /* semval of S W X Q N */
short adj[25];          /* semadj of process p for semaphore i at adj[p*5+i] (SEM_UNDO) */
int sop[MAXP];          /* the operation set process p sleeps in; 0: not asleep */

/* An operation set is one int: for semaphore i, bit i = P (-1), bit 5+i = V (+1),
 * bit 10+i = Z (wait for 0), bit 15+i = SEM_UNDO on that operation. Every set of
 * the protocol names each semaphore at most once. */
#define P_(i) (1 << (i))
#define V_(i) (1 << (5 + (i)))
#define Z_(i) (1 << (10 + (i)))
#define U_(i) (1 << (15 + (i)))

/* The kernel's side, in C (compiled once, not expanded at every call):
 * k_can(o): set o can complete now (every P finds its semaphore >= 1, every Z
 *   finds 0); all of it or nothing.
 * k_zero(): complete every sleeping wait-for-zero set that can (wake_const_ops).
 * k_alters(p): process p sleeps in an altering set that can complete now.
 * k_apply(p): complete p's altering set: all its operations, with their semadj; or,
 *   with QMAX, fail it with ERANGE if it raises Q at Q's maximum (every set of the
 *   protocol names Q last, and Linux checks the operations in order: a set that would
 *   block blocks, one that would not fails): nothing applied, qerr[p] set.
 * Completions are traced for the counter-examples of check.sh --trail. */
c_code {
static int k_can(int o)
{   int i;
    for (i = 0; i < 5; i++) {
        if (((o >> i) & 1) && now.sem[i] == 0) return 0;
        if (((o >> (10 + i)) & 1) && now.sem[i] != 0) return 0;
    }
    return 1;
}
static void k_trace(int p, int o)
{   Printf("@ %d completes %d | %d %d %d %d %d\n", p, o,
        now.sem[0], now.sem[1], now.sem[2], now.sem[3], now.sem[4]);
}
static void k_zero(void)
{   int p, o;
    for (p = 0; p < NP; p++) {
        o = now.sop[p];
        if (o != 0 && (o & 1023) == 0 && k_can(o)) { now.sop[p] = 0; k_trace(p, o); }
    }
}
static int k_alters(int p)
{   int o = p < NP ? now.sop[p] : 0;
    return o != 0 && (o & 1023) != 0 && k_can(o);
}
static void k_apply(int p)
{   int i, o = now.sop[p], d, v;
#if QMAX
    if (((o >> (5 + 3)) & 1) && now.sem[3] >= QMAX) {
        now.sop[p] = 0; now.qerr[p] = 1;
        Printf("@ %d erange %d | %d %d %d %d %d\n", p, o,
            now.sem[0], now.sem[1], now.sem[2], now.sem[3], now.sem[4]);
        return;
    }
#endif
    for (i = 0; i < 5; i++) {
        d = (o >> i) & 1; v = (o >> (5 + i)) & 1;
        now.sem[i] = now.sem[i] - d + v;
        if ((o >> (15 + i)) & 1) now.adj[p * 5 + i] += d - v;
    }
    now.sop[p] = 0;
    k_trace(p, o);
}
}

/* After every change to the array the kernel completes, in the same step, every
 * sleeping set that has become applicable (Linux do_smart_update): first every
 * wait-for-zero set (wake_const_ops), then one altering set, then again, until
 * none applies. Linux takes altering sleepers in arrival order; here any order
 * (a superset: every arrival order is one of them). */
/* (spin takes "f(x)" in a c_expr for a possible side effect, hence "k_alters (p)".) */
inline kernel() {
    do
    :: c_code { k_zero(); };
       if
       :: c_expr { k_alters (0) } -> c_code { k_apply(0); }
       :: c_expr { k_alters (1) } -> c_code { k_apply(1); }
       :: c_expr { k_alters (2) } -> c_code { k_apply(2); }
       :: c_expr { k_alters (3) } -> c_code { k_apply(3); }
       :: c_expr { k_alters (4) } -> c_code { k_apply(4); }
       :: else -> break
       fi
    od
}

/* semop(2): the set completes now if it can (then the kernel completes whatever
 * that made possible), else the caller sleeps in it. Before the call no sleeping
 * set can complete (the kernel left none), so this is the same as adding o to
 * the sleepers and running the kernel. The caller then waits for DONE: the
 * kernel completed its set (possibly in another process's step). */
inline semop(o) {
    atomic {
        sop[me] = o; printf("@ %d calls %d | %d %d %d %d %d\n", me, o, SEMS);
        kernel();
        if :: sop[me] != 0 -> printf("@ %d sleeps %d | %d %d %d %d %d\n", me, o, SEMS) :: else -> skip fi
    }
}
#define DONE (sop[me] == 0)
/* A semtimedop that times out: the sleeping set is withdrawn unapplied, if the
 * kernel has not completed it yet (ASLEEP is then the guard of one atomic step). */
#define ASLEEP (sop[me] != 0)

/* A hardened call that raises Q (LibBus note, bounded Q): on ERANGE, read q (GETVAL), lower Q
 * to 1 in one no-wait call {Q -= q, Q += 1} (nothing if Q < q by then) and re-issue the call,
 * at most QBOUNDS times, while q >= 2 and Q is then below its maximum; else the call fails
 * (qfail). Semaphores.Apply's ERANGE case and BoundQueue. */
#if QMAX
inline semopq(o) {
    tries = 0; qfail = 0;
    semop(o); DONE;
    do
    :: !qerr[me] -> break
    :: else ->
        qerr[me] = 0;
        if
        :: tries >= QBOUNDS -> qfail = 1; break
        :: else -> tries++
        fi;
        q = sem[Q];
        if
        :: q < 2 -> qfail = 1; break
        :: else ->
            atomic {
                if
                :: sem[Q] >= q -> sem[Q] = sem[Q] - q + 1; printf("@ %d bounds-q | %d %d %d %d %d\n", me, SEMS)
                :: else -> q = 0
                fi
            };
            if
            :: q != 0 || sem[Q] < QMAX -> semop(o); DONE
            :: else -> qfail = 1; break
            fi
        fi
    od
}
#define QLOCALS byte q, tries; bit qfail
#else
#define QLOCALS
#endif

/* semctl(SETVAL): set semaphore i, clear every process's semadj for it, wake. */
#define CLEARADJ(i) adj[0 * 5 + (i)] = 0; adj[1 * 5 + (i)] = 0; adj[2 * 5 + (i)] = 0; \
        adj[3 * 5 + (i)] = 0; adj[4 * 5 + (i)] = 0

/* exit(2) of a process with SEM_UNDO adjustments: semval += semadj, clamped at 0. */
#define UNDO1(p, i) sem[i] = ((sem[i] + adj[(p) * 5 + (i)] < 0) -> 0 : sem[i] + adj[(p) * 5 + (i)]); \
        adj[(p) * 5 + (i)] = 0

/* ------------------------------------------------------------ the segment */
byte seg[2];            /* a message is written, and copied, in two steps */

#define WRITE(id) atomic { seg[0] = id; printf("@ %d writes-half %d | %d %d %d %d %d\n", me, id, SEMS) }; \
        atomic { seg[1] = id; printf("@ %d writes %d | %d %d %d %d %d\n", me, id, SEMS) }

/* ------------------------------------------------------------ bookkeeping for the properties */
byte npub;              /* messages published so far */
byte seqof[NMSG + 1];   /* message id -> its place in publication order (0: never published) */
bit excused[NMSG + 1];  /* its broadcaster was killed or gave up while delivering it */
byte owed[MAXP];        /* message listener p was counted for at its publication and has not copied */
byte cur[MAXP];         /* message broadcaster p is delivering (published, delivery not ended) */
bit killed[MAXP], gone[MAXP], fin[MAXP];
#if QMAX
byte qerr[MAXP];        /* process p's last set failed with ERANGE */
#endif
byte leaves, giveups, bdone;

/* Names of the properties, so that pan's "assertion violated" line names the
 * property that failed. Each is 0 (checked) unless its bit in IGNORE is set
 * (check.sh --trail NAME PROPERTY sets IGNORE to look for one property only). */
#ifndef IGNORE
#define IGNORE 0
#endif
byte torn_copy = (IGNORE & 1), unpublished_copy = ((IGNORE >> 1) & 1),
    duplicate = ((IGNORE >> 2) & 1), reordered = ((IGNORE >> 3) & 1),
    lost_message = ((IGNORE >> 4) & 1), deadlock = ((IGNORE >> 5) & 1),
    bus_left_busy = ((IGNORE >> 6) & 1);

#define ISC(p) ((C_MASK >> (p)) & 1)
#define MAYLEAVE (((LEAVE_MASK >> me) & 1) && leaves < 1)
#define LEAVING atomic { MAYLEAVE -> leaves++; gone[me] = 1; owed[me] = 0; printf("@ %d leaves | %d %d %d %d %d\n", me, SEMS) }
/* A C listener's blocking call fails with EINTR (a signal handler ran): the sleep ends unapplied. */
#define CINTERRUPTED atomic { MAYLEAVE && ASLEEP -> sop[me] = 0; leaves++; gone[me] = 1; owed[me] = 0; printf("@ %d interrupted | %d %d %d %d %d\n", me, SEMS) }
#define COUNTED(l) ((l) >= NB && (l) < NP && adj[(l) * 5 + S] < 0 && !gone[l])

/* Publication of message id (the broadcaster's Q := 0): every listener counted
 * in S now must receive it, unless it leaves or dies. */
#define OWE(l) if :: COUNTED(l) -> assert(owed[l] == 0 || excused[owed[l]] || lost_message); owed[l] = id \
        :: else -> skip fi
inline publish(id) {
    atomic {
        sem[Q] = 0; CLEARADJ(Q);
        npub++; seqof[id] = npub; cur[me] = id; printf("@ %d publishes %d | %d %d %d %d %d\n", me, id, SEMS);
        OWE(0); OWE(1); OWE(2); OWE(3); OWE(4);
        kernel()
    }
}

/* A listener's copy of the segment, read in two steps; the second checks it. */
inline copy() {
    atomic { c0 = seg[0]; printf("@ %d copies-half %d | %d %d %d %d %d\n", me, c0, SEMS) }
    atomic {
        c1 = seg[1]; printf("@ %d copied %d %d | %d %d %d %d %d\n", me, c0, c1, SEMS);
        assert(c0 == c1 || torn_copy);
        assert(seqof[c0] != 0 || unpublished_copy);
        assert(seqof[c0] != last || duplicate);
        assert(seqof[c0] > last || reordered);
        assert(owed[me] == 0 || owed[me] == c0 || excused[owed[me]] || lost_message);
        owed[me] = 0; last = seqof[c0]; c0 = 0; c1 = 0
    }
}

/* The escape a killed process takes (SIGKILL between any two of its steps):
 * its sleep ends, then exit(2) applies its undo adjustments. */
inline die() {
    atomic { sop[me] = 0; printf("@ %d killed | %d %d %d %d %d\n", me, SEMS) }
    atomic {
        UNDO1(me, 0); UNDO1(me, 1); UNDO1(me, 2); UNDO1(me, 3); UNDO1(me, 4);
        printf("@ %d exits | %d %d %d %d %d\n", me, SEMS);
        kernel();
        fin[me] = 1; if :: me < NB -> bdone++ :: else -> skip fi
    }
}

/* ------------------------------------------------------------ hardened (LibBus) broadcaster */
#if MUTANT == 4
#define B_TAKE (P_(X) | U_(X) | Z_(W) | V_(N) | U_(N))
#else
#define B_TAKE (P_(X) | U_(X) | Z_(W) | V_(N) | U_(N) | V_(Q))
#endif
#define B_END (P_(N) | U_(N) | V_(X) | U_(X))
#if MUTANT == 6
#define B_GIVEUP B_END
#else
#define B_GIVEUP (B_END | V_(Q))                        /* step 5 of a broadcaster that gave up step 4 */
#endif
#define GIVINGUP atomic { GIVEUP && giveups < 1 && ASLEEP -> sop[me] = 0; giveups++; excused[id] = 1; printf("@ %d gives-up | %d %d %d %d %d\n", me, SEMS) }

proctype HB(byte me) {
    byte k, id;
    QLOCALS;
    {
        do
        :: k < M ->
            id = me * M + k + 1;
#if QMAX
            semopq(B_TAKE);                             /* 1 {P(X)u, Z(W), V(N)u, V(Q)} */
            if :: qfail -> atomic { k++ }; goto next    /*   failed (ERANGE): nothing taken, this broadcast fails */
               :: else -> skip fi;
#else
            semop(B_TAKE); DONE;                        /* 1 {P(X)u, Z(W), V(N)u, V(Q)} */
#endif
            WRITE(id);                                  /* 2 write */
            publish(id);                                /* 3 Q := 0 */
#if FUSED45
            semop(Z_(S) | B_END);                       /* 4+5 {Z(S), P(N)u, V(X)u} */
            if
            :: DONE
#if GIVEUP_GUESS
            :: GIVINGUP; if :: semop(B_GIVEUP) :: semop(B_END) fi; DONE
#else
            :: GIVINGUP; semop(B_GIVEUP); DONE
#endif
            fi;
#else
            semop(Z_(S));                               /* 4 Z(S) */
            if
            :: DONE; semop(B_END); DONE                 /* 5 {P(N)u, V(X)u} */
#if GIVEUP_GUESS
            :: GIVINGUP;                                /* 5 {P(N)u, V(X)u, V(Q)} or {P(N)u, V(X)u} */
               if :: semop(B_GIVEUP) :: semop(B_END) fi; DONE
#elif QMAX
            :: GIVINGUP; semopq(B_GIVEUP);              /* 5 {P(N)u, V(X)u, V(Q)}; still ERANGE: {P(N)u, V(X)u} */
               if :: qfail -> semop(B_END); DONE :: else -> skip fi
#else
            :: GIVINGUP; semop(B_GIVEUP); DONE          /* 5 {P(N)u, V(X)u, V(Q)} */
#endif
            fi;
#endif
            atomic { cur[me] = 0; k++ }
#if QMAX
            ;
next:       skip                                        /* (only with QMAX: a state of its own) */
#endif
        :: else -> break
        od;
        atomic { fin[me] = 1; bdone++ }
    } unless { killed[me] -> die() }
}

/* ------------------------------------------------------------ reference (C) broadcaster */
proctype CB(byte me) {
    byte k, id;
    {
        do
        :: k < M ->
            id = me * M + k + 1;
            semop(P_(X) | U_(X)); DONE;
            semop(Z_(W)); DONE;
            WRITE(id);
            semop(V_(N) | U_(N)); DONE;
            publish(id);
            semop(Z_(S));
            if
            :: DONE
            :: atomic { CGIVEUP && giveups < 1 && ASLEEP -> sop[me] = 0; giveups++; excused[id] = 1; printf("@ %d gives-up | %d %d %d %d %d\n", me, SEMS) }
            fi;
            semop(P_(N) | U_(N)); DONE;
            semop(V_(X) | U_(X)); DONE;
            atomic { cur[me] = 0; k++ }
        :: else -> break
        od;
        atomic { fin[me] = 1; bdone++ }
    } unless { killed[me] -> die() }
}

/* ------------------------------------------------------------ hardened (LibBus) listener */
#define L_JOIN (Z_(W) | Z_(N) | V_(S) | U_(S) | V_(Q))
#if MUTANT == 5
#define L_WAIT Z_(Q)
#define L_ACK (P_(S) | U_(S) | V_(W) | U_(W))
#define L_LEAVE_COPIED (P_(S) | U_(S))
#else
#define L_WAIT (Z_(Q) | V_(W) | U_(W))
#define L_ACK (P_(S) | U_(S))
#define L_LEAVE_COPIED (P_(S) | U_(S) | P_(W) | U_(W))
#endif
#define L_REQUEUE (Z_(N) | V_(S) | U_(S) | P_(W) | U_(W) | V_(Q))

/* A late listener joins only after the first publication (or never, if none). */
#define LATE_JOIN if :: (LATE_MASK >> me) & 1 -> \
            if :: npub > 0 :: bdone == NB -> goto out fi \
        :: else -> skip fi

proctype HL(byte me) {
    byte c0, c1, last;
    QLOCALS;
    {
        LATE_JOIN;
rejoin:
#if MUTANT == 1
        semop(Z_(W) | Z_(N) | V_(S) | U_(S)); DONE;     /* 1 join, split */
        semop(V_(Q)); DONE;
#elif QMAX
        semopq(L_JOIN);                                 /* 1 {Z(W), Z(N), V(S)u, V(Q)} */
        if :: qfail -> goto out :: else -> skip fi;     /*   failed (ERANGE): nothing taken, not listening */
#else
        semop(L_JOIN); DONE;                            /* 1 {Z(W), Z(N), V(S)u, V(Q)} */
#endif
#if BOUNDQ
        atomic {                                        /*   {Q -= 2, Q += 1}, no-wait: only if Q >= 2 */
            if :: sem[Q] >= 2 -> sem[Q]--; printf("@ %d bounds-q | %d %d %d %d %d\n", me, SEMS); kernel() :: else -> skip fi
        };
#endif
        do
        :: true ->
#if LEAVE_MASK
            if                                          /* leave before waiting */
            :: LEAVING -> semop(P_(S) | U_(S)); DONE; goto left
            :: true
            fi;
#endif
            semop(L_WAIT);                              /* 2 {Z(Q), V(W)u} */
end_wait:   if
            :: DONE
            :: atomic { MAYLEAVE && ASLEEP -> sop[me] = 0; leaves++; gone[me] = 1; owed[me] = 0; printf("@ %d leaves | %d %d %d %d %d\n", me, SEMS) };
               semop(P_(S) | U_(S)); DONE; goto left     /*   leave while waiting */
            fi;
            copy();                                     /* 3 copy */
#if LEAVE_MASK
            if                                          /* leave after a copy */
            :: LEAVING -> semop(L_LEAVE_COPIED); DONE; goto left
            :: true
            fi;
#endif
            semop(L_ACK); DONE;                         /* 4 {P(S)u} */
#if MUTANT == 3
            semop(Z_(S)); DONE;
#endif
#if LEAVE_MASK
            if                                          /* leave instead of re-queueing */
            :: LEAVING -> semop(P_(W) | U_(W)); DONE; goto left
            :: true
            fi;
#endif
#if MUTANT == 2
            semop(Z_(N) | V_(S) | U_(S) | P_(W) | U_(W)); DONE;   /* 5 re-queue, split */
            semop(V_(Q)); DONE
#elif QMAX
            semopq(L_REQUEUE);                          /* 5 {Z(N), V(S)u, P(W)u, V(Q)} */
            if                                          /*   failed (ERANGE): leave, {P(W)u} */
            :: qfail -> atomic { gone[me] = 1; owed[me] = 0 }; semop(P_(W) | U_(W)); DONE; goto left
            :: else -> skip
            fi
#else
            semop(L_REQUEUE);                           /* 5 {Z(N), V(S)u, P(W)u, V(Q)} */
            if
            :: DONE
            :: atomic { MAYLEAVE && ASLEEP -> sop[me] = 0; leaves++; gone[me] = 1; owed[me] = 0; printf("@ %d leaves | %d %d %d %d %d\n", me, SEMS) };
               semop(P_(W) | U_(W)); DONE; goto left     /*   leave while re-queueing */
            fi
#endif
        od;
left:
#if REJOIN
        atomic { gone[me] = 0; printf("@ %d rejoins | %d %d %d %d %d\n", me, SEMS) };
        goto rejoin;
#endif
out:    fin[me] = 1
    } unless { killed[me] -> die() }
}

/* ------------------------------------------------------------ reference (C) listener */
proctype CL(byte me) {
    byte c0, c1, last;
    {
        LATE_JOIN;
        semop(V_(S) | U_(S)); DONE;
        do
        :: true ->
            semop(V_(Q)); DONE;
            semop(Z_(Q));
end_wait:   if
            :: DONE
#if CINTR
            :: CINTERRUPTED -> semop(P_(S) | U_(S)); DONE; goto out       /*   EINTR, state 0: P(S)u */
#endif
            fi;
            copy();
#if LEAVE_MASK
            if                                          /* leave after a read */
            :: LEAVING -> semop(P_(S) | U_(S)); DONE; goto out
            :: true
            fi;
#endif
            semop(V_(W) | U_(W)); DONE;
            semop(P_(S) | U_(S)); DONE;
            semop(Z_(S));
            if
            :: DONE
#if CINTR
            :: CINTERRUPTED -> goto fail2                                   /*   EINTR, state 2 */
#endif
            fi;
            semop(Z_(N));
            if
            :: DONE
#if CINTR
            :: CINTERRUPTED -> goto fail2
#endif
            fi;
            semop(V_(S) | U_(S)); DONE;
            semop(P_(W) | U_(W)); DONE
        od;
#if CINTR
fail2:  semop(V_(S) | U_(S)); DONE;                     /* bus_read's fail path: V(S)u; P(W)u; P(S)u */
        semop(P_(W) | U_(W)); DONE;
        semop(P_(S) | U_(S)); DONE;
#endif
out:    fin[me] = 1
    } unless { killed[me] -> die() }
}

/* ------------------------------------------------------------ SIGKILL, at most once, at any moment */
#define KILL(p) :: ((KILL_MASK >> (p)) & 1) && (p) < NP && !fin[p] -> \
        killed[p] = 1; gone[p] = 1; owed[p] = 0; \
        if :: cur[p] != 0 -> excused[cur[p]] = 1 :: else -> skip fi
/* One process holding two roles dies: both stop in the same instant, and exit(2) applies
 * its one semadj per semaphore, the sum of both roles', clamped at 0. Each role's own die()
 * then finds nothing left to undo. */
#define KILLROLE(p) killed[p] = 1; gone[p] = 1; owed[p] = 0; sop[p] = 0; \
        if :: cur[p] != 0 -> excused[cur[p]] = 1 :: else -> skip fi
#define UNDO2(a, b, i) sem[i] = ((sem[i] + adj[(a) * 5 + (i)] + adj[(b) * 5 + (i)] < 0) -> 0 : \
        sem[i] + adj[(a) * 5 + (i)] + adj[(b) * 5 + (i)]); adj[(a) * 5 + (i)] = 0; adj[(b) * 5 + (i)] = 0
#if KILL_MASK || PAIR
active proctype killer() {
    atomic {
        if
        KILL(0)
        KILL(1)
        KILL(2)
        KILL(3)
        KILL(4)
#if PAIR
        :: !(fin[PAIR_A] && fin[PAIR_B]) ->
            KILLROLE(PAIR_A); KILLROLE(PAIR_B);
            UNDO2(PAIR_A, PAIR_B, 0); UNDO2(PAIR_A, PAIR_B, 1); UNDO2(PAIR_A, PAIR_B, 2);
            UNDO2(PAIR_A, PAIR_B, 3); UNDO2(PAIR_A, PAIR_B, 4);
            printf("@ %d killed-with %d | %d %d %d %d %d\n", PAIR_A, PAIR_B, SEMS);
            kernel()
#endif
        :: true -> skip                                 /* no kill in this run */
        fi
    }
}
#endif

/* ------------------------------------------------------------ the end: nothing can move */
/* Every run is finite (each step consumes a message, a kill, a leave or a give-up),
 * so "no state from which the bus can never move again" is checked on the states
 * where no process can move: each must be a resting bus. */
#define RESTING(p) ((p) >= NP || fin[p] || ((p) >= NB && (sop[p] == L_WAIT || sop[p] == Z_(Q))))
#define WAITING(p) ((p) >= NB && (p) < NP && !fin[p])
#define NWAITING (WAITING(0) + WAITING(1) + WAITING(2) + WAITING(3) + WAITING(4))
active proctype final() {
    timeout ->
    atomic {
        assert((RESTING(0) && RESTING(1) && RESTING(2) && RESTING(3) && RESTING(4)) || deadlock);
        assert((sem[X] == 1 && sem[N] == 0 && sem[W] == 0 && sem[S] == NWAITING) || bus_left_busy);
        assert(((owed[0] == 0 || excused[owed[0]]) && (owed[1] == 0 || excused[owed[1]]) &&
                (owed[2] == 0 || excused[owed[2]]) && (owed[3] == 0 || excused[owed[3]]) &&
                (owed[4] == 0 || excused[owed[4]])) || lost_message)
    }
}

init {
    atomic {
        sem[X] = 1;
        if :: ISC(0) -> run CB(0) :: else -> run HB(0) fi;
        if :: NB > 1 && ISC(1) -> run CB(1) :: NB > 1 && !ISC(1) -> run HB(1)
           :: else -> skip fi;
        if :: ISC(NB) -> run CL(NB) :: else -> run HL(NB) fi;
        if :: NL > 1 && ISC(NB + 1) -> run CL(NB + 1) :: NL > 1 && !ISC(NB + 1) -> run HL(NB + 1)
           :: else -> skip fi;
        if :: NL > 2 && ISC(NB + 2) -> run CL(NB + 2) :: NL > 2 && !ISC(NB + 2) -> run HL(NB + 2)
           :: else -> skip fi
    }
}
