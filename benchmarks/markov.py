"""A word-trigram Markov model that writes novel news-like sentences, many at a time with numpy.

When a synthetic corpus needs more originals than the Reuters pool holds, the
extra ones are written by this model. Sentences that repeat a training sentence
or one already produced are rejected, so extra originals share no sentence with
the pool or with each other (up to a small Bloom-filter false-positive rate,
which only rejects more). Memory is fixed: the model, the training sentence set
and a fixed-size bit array.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np
import xxhash

BOS = 0
EOS = 1
MIN_WORDS = 8
MAX_WORDS = 45
_BLOOM_BITS = 1 << 27


@dataclass(frozen=True)
class TrigramModel:
    """Transitions of a word-trigram chain in flat arrays.

    State ``s`` (a word pair) has ``count[s]`` successor occurrences at
    ``start[s]`` onward; occurrence ``o`` emits word ``word[o]`` and moves to
    state ``next_state[o]`` (``-1`` after the end token).
    """

    vocab: tuple[str, ...]
    start: np.ndarray
    count: np.ndarray
    word: np.ndarray
    next_state: np.ndarray
    unigram: np.ndarray
    initial: int
    training: frozenset[str]


def train(sentences: Iterable[str]) -> TrigramModel:
    """A trigram model of whitespace tokens, each sentence framed by two starts and an end."""
    vocab: dict[str, int] = {"<s>": BOS, "</s>": EOS}
    states: dict[tuple[int, int], int] = {}
    from_state: list[int] = []
    emitted: list[int] = []
    to_state: list[int] = []
    seen: set[str] = set()

    def state_of(pair: tuple[int, int]) -> int:
        return states.setdefault(pair, len(states))

    for sentence in sentences:
        words = sentence.split()
        if not words:
            continue
        seen.add(" ".join(words))
        ids = [vocab.setdefault(w, len(vocab)) for w in words]
        prev = (BOS, BOS)
        for token in ids + [EOS]:
            from_state.append(state_of(prev))
            emitted.append(token)
            nxt = (prev[1], token)
            to_state.append(-1 if token == EOS else state_of(nxt))
            prev = nxt
    if not emitted:
        raise ValueError("cannot train a Markov model on no text")
    src = np.asarray(from_state, dtype=np.int64)
    order = np.argsort(src, kind="stable")
    count = np.bincount(src, minlength=len(states)).astype(np.int64)
    start = np.concatenate(([0], np.cumsum(count)[:-1])).astype(np.int64)
    word = np.asarray(emitted, dtype=np.int64)[order]
    unigram = np.bincount(word, minlength=len(vocab)).astype(np.float64)
    unigram[[BOS, EOS]] = 0.0
    return TrigramModel(
        vocab=tuple(sorted(vocab, key=vocab.__getitem__)),
        start=start,
        count=count,
        word=word,
        next_state=np.asarray(to_state, dtype=np.int64)[order],
        unigram=unigram / unigram.sum(),
        initial=states[(BOS, BOS)],
        training=frozenset(seen),
    )


def _walk(model: TrigramModel, rng: np.random.Generator, batch: int) -> np.ndarray:
    """Token ids of ``batch`` chains run in parallel; ``EOS`` pads after each chain ends."""
    out = np.full((batch, MAX_WORDS + 1), EOS, dtype=np.int64)
    state = np.full(batch, model.initial, dtype=np.int64)
    alive = np.arange(batch)
    for step in range(MAX_WORDS + 1):
        if alive.size == 0:
            break
        s = state[alive]
        occ = model.start[s] + (rng.random(alive.size) * model.count[s]).astype(np.int64)
        out[alive, step] = model.word[occ]
        state[alive] = model.next_state[occ]
        alive = alive[model.next_state[occ] >= 0]
    return out


class SentenceSource:
    """An endless, seeded stream of novel sentences from a trigram model."""

    def __init__(self, model: TrigramModel, seed: int, batch: int = 2048) -> None:
        self._model = model
        self._rng = np.random.default_rng(seed)
        self._batch = batch
        self._bloom = bytearray(_BLOOM_BITS // 8)
        self._queue: list[str] = []

    def _fresh(self, sentence: str) -> bool:
        """True (and remembered) when ``sentence`` was neither trained on nor produced before."""
        if sentence in self._model.training:
            return False
        digest = xxhash.xxh64_intdigest(sentence.encode("utf-8"))
        positions = (digest % _BLOOM_BITS, (digest >> 32) % _BLOOM_BITS)
        if all(self._bloom[p >> 3] & (1 << (p & 7)) for p in positions):
            return False
        for p in positions:
            self._bloom[p >> 3] |= 1 << (p & 7)
        return True

    def _unigram_sentence(self) -> str:
        """A sentence of words drawn by frequency: the fallback when the chain only repeats itself."""
        length = int(self._rng.integers(MIN_WORDS + 2, 2 * MIN_WORDS + 4))
        ids = self._rng.choice(len(self._model.vocab), size=length, p=self._model.unigram)
        words = [self._model.vocab[i] for i in ids]
        words[0] = words[0][:1].upper() + words[0][1:]
        return " ".join(words).rstrip(".,;:") + "."

    def _refill(self) -> None:
        """Generate a batch and keep the novel sentences of acceptable length."""
        vocab = self._model.vocab
        tokens = _walk(self._model, self._rng, self._batch)
        is_end = tokens == EOS
        lengths = np.where(is_end.any(axis=1), is_end.argmax(axis=1), tokens.shape[1])
        accepted = []
        for row, length in zip(tokens.tolist(), lengths.tolist()):
            if MIN_WORDS <= length <= MAX_WORDS:
                sentence = " ".join(map(vocab.__getitem__, row[:length]))
                if self._fresh(sentence):
                    accepted.append(sentence)
        while len(accepted) < self._batch // 20:
            sentence = self._unigram_sentence()
            if self._fresh(sentence):
                accepted.append(sentence)
        self._queue = accepted[::-1]

    def next(self) -> str:
        """The next novel sentence."""
        if not self._queue:
            self._refill()
        return self._queue.pop()

    def __iter__(self) -> Iterator[str]:
        while True:
            yield self.next()
