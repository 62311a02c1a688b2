package dev.leakhunt.explore;

/**
 * The best {@code limit} of a list of ordinals without boxing them: a bounded binary heap in an {@code int[]} whose
 * top is the worst item kept, emptied at the end into best-first order (a heap sort when everything is kept).
 */
final class Ranking {
    /** Whether {@code a} ranks before {@code b}. */
    interface Order {
        boolean before(int a, int b);
    }

    private Ranking() {
    }

    /** The best {@code limit} (all when {@code limit <= 0}) of {@code items[0 … count - 1]}, best first. */
    static int[] best(int[] items, int count, int limit, Order order) {
        int size = limit <= 0 ? count : Math.min(limit, count);
        int[] heap = new int[size];
        int used = 0;
        for (int i = 0; i < count; i++) {
            int item = items[i];
            if (used < size) {
                heap[used] = item;
                up(heap, used++, order);
            } else if (size > 0 && order.before(item, heap[0])) {
                heap[0] = item;
                down(heap, 0, used, order);
            }
        }
        int[] ranked = new int[used];
        for (int i = used - 1; i >= 0; i--) {
            ranked[i] = heap[0]; // the worst left goes last
            heap[0] = heap[i];
            down(heap, 0, i, order);
        }
        return ranked;
    }

    /** Heap order: a parent is worse than (ranks after) or equal to its children. */
    private static void up(int[] heap, int i, Order order) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!order.before(heap[parent], heap[i])) {
                return;
            }
            swap(heap, i, parent);
            i = parent;
        }
    }

    private static void down(int[] heap, int i, int used, Order order) {
        while (true) {
            int worst = i;
            int left = 2 * i + 1;
            int right = left + 1;
            if (left < used && order.before(heap[worst], heap[left])) {
                worst = left;
            }
            if (right < used && order.before(heap[worst], heap[right])) {
                worst = right;
            }
            if (worst == i) {
                return;
            }
            swap(heap, i, worst);
            i = worst;
        }
    }

    private static void swap(int[] heap, int a, int b) {
        int t = heap[a];
        heap[a] = heap[b];
        heap[b] = t;
    }
}
