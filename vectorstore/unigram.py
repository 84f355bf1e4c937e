"""A unigram (SentencePiece-style) tokenizer that loads in a tenth of a second.

``tokenizers`` builds a byte trie over the whole vocabulary when it reads a unigram
``tokenizer.json``: for multilingual-e5-small (250,002 pieces) that takes 1-2 s on two cores,
and every process that answers a question paid it before its first answer (`assistant ask` in a
process of its own, the first question after the app starts). Only a few dozen short texts are
encoded per question, so the search over pieces is done here in Python instead, over a dict:

- normalisation and pre-tokenisation stay with ``tokenizers``: the same ``tokenizer.json`` is
  read with its vocabulary left out, which takes milliseconds;
- each pre-token is segmented by the same Viterbi search as ``tokenizers``' unigram model
  (pieces tried shortest first, a later path kept only when strictly better, an unknown
  character scored ``min_score - 10`` where no single-character piece exists, runs of unknown
  characters fused into one unknown token);
- the template's special tokens are put around the pieces, after truncation to
  ``max_tokens``.

The pieces and scores are read from a sidecar file written next to ``tokenizer.json`` the first
time (``tokenizer.unigram.v2.json``: the pieces and scores, packed so that reading them takes
milliseconds, and the size and modification time of the ``tokenizer.json`` they came from, so an
edited tokenizer is never read stale; for a tokenizer of another kind it only says so, and
``tokenizers`` is used).
Where the folder cannot be written, :func:`load` returns None and the caller uses
``tokenizers`` as before. ``tests/vectorstore/test_unigram.py`` checks that the ids equal
``tokenizers``' on every sentence of the default corpus.
"""

from __future__ import annotations

import base64
import json
import os
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: What an unknown character costs below the lowest piece score (``tokenizers``' K_UNK_PENALTY).
UNKNOWN_PENALTY = 10.0
SIDECAR = "tokenizer.unigram.v2.json"
#: The sidecar's layout: 2 packs the pieces and scores. Layout 1 was ``tokenizer.unigram.json``
#: (an older checkout still reads that name, so the new layout has a name of its own).
FORMAT = 2
LEGACY_SIDECAR = "tokenizer.unigram.json"
_SEPARATOR = "\x00"


@dataclass(frozen=True)
class Encoded:
    """The ids of one text, as ``tokenizers.Encoding.ids`` gives them."""

    ids: list[int]


class UnigramEncoder:
    """Encodes texts as ``tokenizers.Tokenizer.encode_batch`` does for a unigram
    ``tokenizer.json`` with a template of special tokens around one sequence."""

    def __init__(
        self,
        frame: Any,
        pieces: list[str],
        scores: list[float],
        unk_id: int,
        head: list[int],
        tail: list[int],
        max_tokens: int,
    ):
        self._frame = frame  # tokenizers.Tokenizer without vocabulary: normaliser, pre-tokeniser
        self._ids = dict(zip(pieces, range(len(pieces)), strict=True))  # a later duplicate wins
        self._scores = scores
        self._unk_id = unk_id
        self._unk_score = min(scores) - UNKNOWN_PENALTY
        self._longest = max(map(len, pieces))
        self._head, self._tail = head, tail
        self._max_tokens = max_tokens
        self._cache: dict[str, list[int]] = {}

    def encode_batch(self, texts: list[str]) -> list[Encoded]:
        return [self.encode(text) for text in texts]

    def encode(self, text: str) -> Encoded:
        normaliser = self._frame.normalizer
        normalised = normaliser.normalize_str(text) if normaliser is not None else text
        ids: list[int] = []
        for piece, _ in self._frame.pre_tokenizer.pre_tokenize_str(normalised):
            found = self._cache.get(piece)
            if found is None:
                found = self._segment(piece)
                if len(self._cache) < 100_000:
                    self._cache[piece] = found
            ids.extend(found)
        room = self._max_tokens - len(self._head) - len(self._tail)
        return Encoded([*self._head, *ids[: max(room, 0)], *self._tail])

    def _segment(self, word: str) -> list[int]:
        """The ids of the best segmentation of ``word`` (Viterbi over the pieces)."""
        size = len(word)
        best = [0.0] * (size + 1)
        start: list[int | None] = [None] * (size + 1)
        chosen = [0] * (size + 1)
        ids, scores = self._ids, self._scores
        for at in range(size):  # every position is reached: an unknown character always is
            here = best[at]
            single = False
            for end in range(at + 1, min(size, at + self._longest) + 1):
                piece_id = ids.get(word[at:end])
                if piece_id is None:
                    continue
                score = here + scores[piece_id]
                if start[end] is None or score > best[end]:
                    best[end], start[end], chosen[end] = score, at, piece_id
                if end == at + 1:
                    single = True
            if not single:
                score = here + self._unk_score
                if start[at + 1] is None or score > best[at + 1]:
                    best[at + 1], start[at + 1], chosen[at + 1] = score, at, self._unk_id
        out: list[int] = []
        end = size
        unknown = False  # runs of unknown characters become one unknown token
        while end > 0:
            begin = start[end]
            assert begin is not None
            if chosen[end] == self._unk_id:
                if not unknown:
                    out.append(self._unk_id)
                unknown = True
            else:
                out.append(chosen[end])
                unknown = False
            end = begin
        out.reverse()
        return out


def load(path: Path, max_tokens: int) -> UnigramEncoder | None:
    """The encoder for the unigram ``tokenizer.json`` in the folder ``path``; None when the
    tokenizer is not of the shape handled here or its sidecar cannot be written."""
    from tokenizers import Tokenizer

    source = path / "tokenizer.json"
    stat = source.stat()
    stamp = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    sidecar = path / SIDECAR
    data = _read_sidecar(sidecar, stamp)
    if data is None:
        config = json.loads(source.read_text(encoding="utf-8"))
        model = config.get("model") or {}
        data = {"source": stamp, "format": FORMAT, "handled": False}  # WordPiece loads fast
        if _handled(config):
            data.update(
                handled=True,
                unk_id=model["unk_id"],
                pieces=_pack_pieces([p for p, _ in model["vocab"]]),
                scores=_pack_scores([s for _, s in model["vocab"]]),
                frame={**config, "model": {**model, "vocab": [model["vocab"][model["unk_id"]]],
                                           "unk_id": 0}},
            )
        temporary = sidecar.with_name(f"{SIDECAR}.{os.getpid()}.tmp")
        try:
            temporary.write_text(json.dumps(data), encoding="utf-8")
            os.replace(temporary, sidecar)
            (path / LEGACY_SIDECAR).unlink(missing_ok=True)
        except OSError:
            temporary.unlink(missing_ok=True)
            return None
    if not data["handled"]:
        return None
    frame = Tokenizer.from_str(json.dumps(data["frame"]))
    template = data["frame"]["post_processor"]
    ids = {
        name: token["ids"] for name, token in template.get("special_tokens", {}).items()
    }
    head: list[int] = []
    tail: list[int] = []
    seen_sequence = False
    for item in template["single"]:
        if "Sequence" in item:
            seen_sequence = True
        else:
            (tail if seen_sequence else head).extend(ids[item["SpecialToken"]["id"]])
    return UnigramEncoder(
        frame, _unpack_pieces(data["pieces"]), _unpack_scores(data["scores"]),
        int(data["unk_id"]), head, tail, max_tokens,
    )


# The sidecar holds the pieces as one string and the scores as the bytes of float64s: JSON
# decodes those in milliseconds, where 250,002 strings and floats took it 0.13 s.
def _pack_pieces(pieces: list[str]) -> str | list[str]:
    return pieces if any(_SEPARATOR in p for p in pieces) else _SEPARATOR.join(pieces)


def _unpack_pieces(packed: str | list[str]) -> list[str]:
    return packed.split(_SEPARATOR) if isinstance(packed, str) else packed


def _pack_scores(scores: list[float]) -> str:
    return base64.b64encode(array("d", scores).tobytes()).decode("ascii")


def _unpack_scores(packed: str) -> list[float]:
    values = array("d")
    values.frombytes(base64.b64decode(packed))
    return values.tolist()


def _handled(config: dict[str, Any]) -> bool:
    """A unigram model without byte fallback or added tokens, and a template around one
    sequence: what this module reproduces exactly."""
    model = config.get("model") or {}
    template = config.get("post_processor") or {}
    return (
        model.get("type") == "Unigram"
        and not model.get("byte_fallback")
        and model.get("unk_id") is not None
        and not config.get("added_tokens")
        and config.get("pre_tokenizer") is not None
        and template.get("type") == "TemplateProcessing"
        and sum("Sequence" in item for item in template.get("single", [])) == 1
    )


def _read_sidecar(sidecar: Path, stamp: dict[str, int]) -> dict[str, Any] | None:
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("source") != stamp or data.get("format") != FORMAT:
        return None
    return data
