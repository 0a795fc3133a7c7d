# data: build a 1M-element list with a linear congruential generator, sort it and
# sum it; then generate 200K words from a small vocabulary, join them into one text,
# split it again and count the words with a dict.
N = 1000000
WORDS = 200000

VOCAB = ["legion", "channel", "spawn", "select", "worker", "stack", "queue",
         "steal", "park", "ready", "yield", "sleep", "timer", "signal",
         "switch", "frame", "value", "trait", "match", "closure"]


def main():
    seed = 42
    v = []
    for _ in range(N):
        seed = (seed * 1103515245 + 12345) % 2147483648
        v.append(seed % 1000000)
    v.sort()
    total = 0
    for x in v:
        total += x

    words = []
    for _ in range(WORDS):
        seed = (seed * 1103515245 + 12345) % 2147483648
        words.append(VOCAB[(seed // 65536) % len(VOCAB)])
    text = " ".join(words)
    counts = {}
    for w in text.split(" "):
        counts[w] = counts.get(w, 0) + 1
    weighted = 0
    for rank, w in enumerate(VOCAB, 1):
        weighted += counts[w] * rank
    print(v[0], v[N // 2], v[N - 1], total, len(counts), weighted)


main()
