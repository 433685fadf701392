"""The compiled loop of the mission's allocation of public orders (``contracting._broker``).

The mission offers each order in turn to the ``k_max`` units of its line ranked highest by
free share of capacity x reputation weight, splits it over them in proportion to their spare
capacity and re-ranks them with their new load. Each order depends on the loads the ones
before it left, so the loop is sequential; at national scale it is hundreds of thousands of
orders a run, which is why it is compiled (numba, ``cache=True``: sweep workers load the
compiled code from the cache instead of compiling again).

``allocate`` is the same algorithm, step for step and float operation for float operation, as
the plain-Python ``contracting._broker_python`` (the reference, kept runnable; a test checks
that both give the same orders, bytes and all, on small worlds). It draws nothing: the tie
keys it needs are drawn by the caller beforehand, in the order the reference draws them
(``contracting._tie_keys``). Python's ``min``/``max`` are spelled out (``b if b < a else a``)
so that ties and signed zeros come out as in the reference.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.typed import Dict

NEARLY_FULL = 1e-6  # the same constant as contracting.NEARLY_FULL (a test checks it)

_KEY = types.Tuple((types.int64, types.float64))


@njit(cache=True)
def _before(a0, k0, j0, v0, a1, k1, j1, v1):  # pragma: no cover - compiled
    """Tuple order of heap entries (score, tie key, unit position, version), as heapq's."""
    if a0 != a1:
        return a0 < a1
    if k0 != k1:
        return k0 < k1
    if j0 != j1:
        return j0 < j1
    return v0 < v1


@njit(cache=True)
def _push(ha, hk, hj, hv, base, size, a, k, j, v):  # pragma: no cover - compiled
    """heapq.heappush onto the heap stored at ``base`` with ``size`` entries; new size."""
    c = size
    while c > 0:
        par = (c - 1) // 2
        pb = base + par
        if _before(a, k, j, v, ha[pb], hk[pb], hj[pb], hv[pb]):
            cb = base + c
            ha[cb], hk[cb], hj[cb], hv[cb] = ha[pb], hk[pb], hj[pb], hv[pb]
            c = par
        else:
            break
    cb = base + c
    ha[cb], hk[cb], hj[cb], hv[cb] = a, k, j, v
    return size + 1


@njit(cache=True)
def _pop(ha, hk, hj, hv, base, size):  # pragma: no cover - compiled
    """Remove the smallest entry of the heap at ``base`` (it is read before); new size."""
    size -= 1
    last = base + size
    a, k, j, v = ha[last], hk[last], hj[last], hv[last]
    c = 0
    while True:
        ch = 2 * c + 1
        if ch >= size:
            break
        r = ch + 1
        if r < size and _before(
            ha[base + r], hk[base + r], hj[base + r], hv[base + r],
            ha[base + ch], hk[base + ch], hj[base + ch], hv[base + ch],
        ):
            ch = r
        chb = base + ch
        if _before(ha[chb], hk[chb], hj[chb], hv[chb], a, k, j, v):
            cb = base + c
            ha[cb], hk[cb], hj[cb], hv[cb] = ha[chb], hk[chb], hj[chb], hv[chb]
            c = ch
        else:
            break
    if size > 0:
        cb = base + c
        ha[cb], hk[cb], hj[cb], hv[cb] = a, k, j, v
    return size


@njit(cache=True)
def allocate(  # pragma: no cover - compiled
    line_idx, need_of, months_of, direct_of, win_of, qid_of, create_of,
    q_mm, q_off, q_hoff, line_uoff, line_units, line_qoff,
    init_keys, pop_keys, cap, free, rep, blog, fac,
    k_max, recurring, random_ties, base_logit, c_rep, c_cap, w0, w1,
    rows_o, rows_u, rows_take, rows_m, placed_of, counts,
):
    """Allocate orders 0..n-1 in turn; return the number of rows written to ``rows_*``.

    Per order i (line ``line_idx[i]``, of the per-call list of lines): when ``create_of[i]``,
    the queue ``qid_of[i]`` of (line, months of work) is ranked from the current loads with
    its tie keys ``init_keys`` (sorted by score, key, position: ``np.lexsort``); the k best
    units are merged from the sorted list and the heap of re-ranked units; their spare
    capacity (``/ fac``: diversified units) is summed; a tender is won with chance
    logistic(base_logit + c_rep x spare-weighted reputation + c_cap x cover) unless the order
    is direct; a placed order is split in proportion to spare capacity (rows: order, unit,
    amount, months) and ``blog`` grows; the units offered are re-queued in every queue of the
    line with their new score and a tie key (largest taken at that score + the next of
    ``pop_keys``). ``counts`` gets tenders, won, direct, placed."""
    n = len(line_idx)
    n_q = len(q_mm)
    srt = np.zeros(q_off[n_q], dtype=np.int64)
    neg_a = np.zeros(q_off[n_q])
    key = np.zeros(q_off[n_q])
    ver = np.zeros(q_off[n_q], dtype=np.int64)
    qp = np.zeros(n_q, dtype=np.int64)
    hn = np.zeros(n_q, dtype=np.int64)
    hsize = q_hoff[n_q]
    ha = np.zeros(hsize)
    hk = np.zeros(hsize)
    hj = np.zeros(hsize, dtype=np.int64)
    hv = np.zeros(hsize, dtype=np.int64)
    lqn = np.zeros(len(line_uoff) - 1, dtype=np.int64)
    lq = np.zeros(n_q, dtype=np.int64)
    taken = Dict.empty(key_type=_KEY, value_type=types.float64)
    pos = np.zeros(max(k_max, 1), dtype=np.int64)
    spare_c = np.zeros(max(k_max, 1))
    kp = 0
    n_rows = 0
    n_tenders = 0
    n_won = 0
    n_direct = 0
    n_placed = 0
    for i in range(n):
        li = line_idx[i]
        need = need_of[i]
        months = months_of[i]
        mm = 1 if recurring else (months if months > 1 else 1)
        q = qid_of[i]
        u0 = line_uoff[li]
        nu = line_uoff[li + 1] - u0
        o = q_off[q]
        if create_of[i]:
            for t in range(nu):
                u = line_units[u0 + t]
                room = cap[u] * mm
                x = room - blog[u]
                spare = 0.0 if 0.0 > x else x
                share = spare / room if room > 0 else 0.0
                f = free[u]
                a = (f if f < share else share) * (w0 + w1 * rep[u])
                if random_ties and a < NEARLY_FULL:
                    a = 0.0
                neg_a[o + t] = -a
                key[o + t] = init_keys[o + t] if random_ties else float(t)
            if nu > 0:
                by_key = np.argsort(key[o : o + nu], kind="mergesort")
                by_score = np.argsort(neg_a[o : o + nu][by_key], kind="mergesort")
                srt[o : o + nu] = by_key[by_score]
            lq[line_qoff[li] + lqn[li]] = q
            lqn[li] += 1
        if nu == 0:
            continue
        # the k best units: merge the sorted list (units not offered work yet) and the heap
        hb = q_hoff[q]
        p = qp[q]
        npos = 0
        while npos < k_max:
            while p < nu and ver[o + srt[o + p]] != 0:
                p += 1
            while hn[q] > 0 and hv[hb] != ver[o + hj[hb]]:
                hn[q] = _pop(ha, hk, hj, hv, hb, hn[q])
            if p < nu:
                j = srt[o + p]
                ta = neg_a[o + j]
                tk = key[o + j]
                if hn[q] > 0 and (
                    ha[hb] < ta
                    or (ha[hb] == ta and (hk[hb] < tk or (hk[hb] == tk and hj[hb] < j)))
                ):
                    ta, tk, j = ha[hb], hk[hb], hj[hb]
                    hn[q] = _pop(ha, hk, hj, hv, hb, hn[q])
                else:
                    p += 1
            elif hn[q] > 0:
                ta, tk, j = ha[hb], hk[hb], hj[hb]
                hn[q] = _pop(ha, hk, hj, hv, hb, hn[q])
            else:
                break
            tkey = (q, ta + 0.0)
            if taken.get(tkey, -1.0) < tk:
                taken[tkey] = tk
            ver[o + j] = -1
            pos[npos] = j
            npos += 1
        qp[q] = p
        total = 0.0
        for t in range(npos):
            u = line_units[u0 + pos[t]]
            x = cap[u] * mm - blog[u]
            s = (0.0 if 0.0 > x else x) / fac[li, u]
            spare_c[t] = s
            total += s
        placed = total > 0
        if placed and not direct_of[i]:
            cover = total / need
            cover = cover if cover < 1.0 else 1.0
            sw = 0.0
            sr = 0.0
            for t in range(npos):
                s = spare_c[t]
                w = s if s > 1e-9 else 1e-9
                sw += w
                sr += rep[line_units[u0 + pos[t]]] * w
            p_win = 1 / (1 + np.exp(-(base_logit + c_rep * (sr / sw) + c_cap * cover)))
            n_tenders += 1
            placed = win_of[i] < p_win
            if placed:
                n_won += 1
        elif placed:
            n_direct += 1
        if placed:
            part = total if total < need else need
            for t in range(npos):
                u = line_units[u0 + pos[t]]
                take = spare_c[t] / total * part
                if take > 1e-9:
                    rows_o[n_rows] = i
                    rows_u[n_rows] = u
                    rows_take[n_rows] = take
                    rows_m[n_rows] = months
                    n_rows += 1
                    work = take * (months if months > 1 else 1) if recurring else take
                    blog[u] += work * fac[li, u]
            n_placed += 1
            placed_of[i] = True
        # the units offered this order are re-queued with their new load (and a new tie key)
        for qi in range(lqn[li]):
            q2 = lq[line_qoff[li] + qi]
            m2 = q_mm[q2]
            o2 = q_off[q2]
            for t in range(npos):
                j = pos[t]
                u = line_units[u0 + j]
                room = cap[u] * m2
                if room > 0:
                    x = room - blog[u]
                    share = (0.0 if 0.0 > x else x) / room
                else:
                    share = 0.0
                f = free[u]
                a = (f if f < share else share) * (w0 + w1 * rep[u])
                if random_ties:
                    if a < NEARLY_FULL:
                        a = 0.0
                    k = taken.get((q2, -a + 0.0), 0.0) + pop_keys[kp]
                    kp += 1
                else:
                    k = float(j)
                v = ver[o2 + j]
                v = (v if v > 0 else 0) + 1
                ver[o2 + j] = v
                hn[q2] = _push(ha, hk, hj, hv, q_hoff[q2], hn[q2], -a, k, j, v)
    counts[0] = n_tenders
    counts[1] = n_won
    counts[2] = n_direct
    counts[3] = n_placed
    return n_rows
