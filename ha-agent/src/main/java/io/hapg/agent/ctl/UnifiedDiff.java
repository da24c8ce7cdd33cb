package io.hapg.agent.ctl;

import java.util.ArrayList;
import java.util.List;

/**
 * Python's {@code difflib.unified_diff} with its defaults (3 lines of context, empty file names),
 * as patronictl's {@code edit-config} prints it when its output is not a terminal: {@code --- },
 * {@code +++ }, then {@code @@ -a,b +c,d @@} hunks. Lines are paired as difflib's
 * {@code SequenceMatcher} pairs them (longest equal run first), so the hunks are patronictl's.
 */
final class UnifiedDiff {
    private static final int CONTEXT = 3;

    private UnifiedDiff() {
    }

    /** One difflib opcode: {@code tag} over {@code a[i1:i2]} and {@code b[j1:j2]}. */
    private record Op(char tag, int i1, int i2, int j1, int j2) {
        Op trimmed(int i1, int i2, int j1, int j2) {
            return new Op(tag, i1, i2, j1, j2);
        }
    }

    /** The diff's lines, without line ends; empty when {@code a} and {@code b} are equal. */
    static List<String> of(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>();
        for (List<Op> group : grouped(opcodes(a, b))) {
            if (out.isEmpty()) {
                out.add("--- ");
                out.add("+++ ");
            }
            Op first = group.get(0);
            Op last = group.get(group.size() - 1);
            out.add("@@ -" + range(first.i1(), last.i2()) + " +" + range(first.j1(), last.j2()) + " @@");
            for (Op op : group) {
                if (op.tag() == 'e') {
                    a.subList(op.i1(), op.i2()).forEach(line -> out.add(" " + line));
                    continue;
                }
                a.subList(op.i1(), op.i2()).forEach(line -> out.add("-" + line));
                b.subList(op.j1(), op.j2()).forEach(line -> out.add("+" + line));
            }
        }
        return out;
    }

    /** difflib's {@code _format_range_unified}. */
    private static String range(int start, int stop) {
        int beginning = start + 1;
        int length = stop - start;
        if (length == 1) {
            return Integer.toString(beginning);
        }
        return (length == 0 ? beginning - 1 : beginning) + "," + length;
    }

    /** Equal runs ({@code e}) and changes ({@code c}) covering both sequences in order. */
    private static List<Op> opcodes(List<String> a, List<String> b) {
        List<int[]> blocks = new ArrayList<>();
        matchingBlocks(a, b, 0, a.size(), 0, b.size(), blocks);
        blocks.sort((x, y) -> x[0] != y[0] ? Integer.compare(x[0], y[0]) : Integer.compare(x[1], y[1]));
        blocks.add(new int[] {a.size(), b.size(), 0});
        List<Op> ops = new ArrayList<>();
        int i = 0;
        int j = 0;
        for (int[] block : blocks) {
            if (i < block[0] || j < block[1]) {
                ops.add(new Op('c', i, block[0], j, block[1]));
            }
            if (block[2] > 0) {
                Op last = ops.isEmpty() ? null : ops.get(ops.size() - 1);
                if (last != null && last.tag() == 'e' && last.i2() == block[0] && last.j2() == block[1]) {
                    ops.set(ops.size() - 1, last.trimmed(last.i1(), block[0] + block[2], last.j1(), block[1] + block[2]));
                } else {
                    ops.add(new Op('e', block[0], block[0] + block[2], block[1], block[1] + block[2]));
                }
            }
            i = block[0] + block[2];
            j = block[1] + block[2];
        }
        return ops;
    }

    /**
     * difflib's {@code SequenceMatcher.get_matching_blocks} without junk (its auto-junk heuristic
     * applies only from 200 lines): the longest equal run (the earliest of equal length), then the
     * same on each side of it.
     */
    private static void matchingBlocks(List<String> a, List<String> b, int alo, int ahi, int blo, int bhi,
                                       List<int[]> out) {
        int besti = alo;
        int bestj = blo;
        int bestSize = 0;
        int[] runs = new int[bhi - blo + 1];
        for (int i = alo; i < ahi; i++) {
            int[] next = new int[bhi - blo + 1];
            for (int j = blo; j < bhi; j++) {
                if (a.get(i).equals(b.get(j))) {
                    int k = runs[j - blo] + 1;
                    next[j - blo + 1] = k;
                    if (k > bestSize) {
                        besti = i - k + 1;
                        bestj = j - k + 1;
                        bestSize = k;
                    }
                }
            }
            runs = next;
        }
        if (bestSize == 0) {
            return;
        }
        out.add(new int[] {besti, bestj, bestSize});
        if (alo < besti && blo < bestj) {
            matchingBlocks(a, b, alo, besti, blo, bestj, out);
        }
        if (besti + bestSize < ahi && bestj + bestSize < bhi) {
            matchingBlocks(a, b, besti + bestSize, ahi, bestj + bestSize, bhi, out);
        }
    }

    /** difflib's {@code get_grouped_opcodes(3)}: hunks with at most 3 equal lines around each change. */
    private static List<List<Op>> grouped(List<Op> codes) {
        List<List<Op>> groups = new ArrayList<>();
        if (codes.stream().noneMatch(op -> op.tag() == 'c')) {
            return groups;
        }
        List<Op> ops = new ArrayList<>(codes);
        Op head = ops.get(0);
        if (head.tag() == 'e') {
            ops.set(0, head.trimmed(Math.max(head.i1(), head.i2() - CONTEXT), head.i2(),
                    Math.max(head.j1(), head.j2() - CONTEXT), head.j2()));
        }
        Op tail = ops.get(ops.size() - 1);
        if (tail.tag() == 'e') {
            ops.set(ops.size() - 1, tail.trimmed(tail.i1(), Math.min(tail.i2(), tail.i1() + CONTEXT), tail.j1(),
                    Math.min(tail.j2(), tail.j1() + CONTEXT)));
        }
        List<Op> group = new ArrayList<>();
        for (Op op : ops) {
            Op current = op;
            if (op.tag() == 'e' && op.i2() - op.i1() > 2 * CONTEXT) {
                group.add(op.trimmed(op.i1(), Math.min(op.i2(), op.i1() + CONTEXT), op.j1(),
                        Math.min(op.j2(), op.j1() + CONTEXT)));
                groups.add(group);
                group = new ArrayList<>();
                current = op.trimmed(Math.max(op.i1(), op.i2() - CONTEXT), op.i2(), Math.max(op.j1(), op.j2() - CONTEXT),
                        op.j2());
            }
            group.add(current);
        }
        if (!(group.size() == 1 && group.get(0).tag() == 'e')) {
            groups.add(group);
        }
        return groups;
    }
}
