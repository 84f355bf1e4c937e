"""The fast unigram tokenizer gives the ids that ``tokenizers`` gives, on the whole default
corpus and on text made to be awkward."""

from __future__ import annotations

import json
import os

import pytest
from helpers import REPORTS

from ingest import load_document
from ingest.sentences import split_sentences
from vectorstore import make_embedder, unigram
from vectorstore.e5 import E5_MODEL, e5_ready

AWKWARD = [
    "", " ", "a", "  two  spaces  ", "\ttab\nnew line\r\n", "<s> literal </s> <unk> <pad>",
    "Ünïcödé — test… ½ ﬁnance ｆｕｌｌｗｉｄｔｈ", "東京 and 北京 😀🇺🇳 \u200b zero width",
    "control\x01\x02chars\x7f", "x" * 3000, "query: How much did the LMPP project cost?",
    "passage: Budget: US$ 2,580,649", "ILO-ACTRAV, GB.303/PFA/3/5, 2016-20, 22Both",
    "\u0915\u094d\u0937 \u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd",
]


@pytest.fixture(scope="module")
def folder():
    if not e5_ready():
        pytest.fail(f"{E5_MODEL} is not fetched: run `assistant models fetch {E5_MODEL}` "
                    "(make test does)")
    path = make_embedder(E5_MODEL).model_path()
    assert path is not None
    return path


def _reference(folder, max_tokens):
    from tokenizers import Tokenizer

    encoder = Tokenizer.from_file(str(folder / "tokenizer.json"))
    encoder.no_padding()
    encoder.enable_truncation(max_tokens)
    return encoder


def test_ids_equal_those_of_tokenizers_on_the_default_corpus(folder):
    fast = unigram.load(folder, 512)
    assert fast is not None
    reference = _reference(folder, 512)
    texts = list(AWKWARD)
    for path in sorted(REPORTS.iterdir()):
        if path.suffix not in (".pdf", ".txt", ".md"):
            continue  # the catalog
        document = load_document(path)
        for page in document.pages:
            texts += [page.text[a:b] for a, b in split_sentences(page.text)]
            texts.append(page.text)  # whole pages: past the 512-token cut
    assert len(texts) > 5000
    got = [e.ids for e in fast.encode_batch(texts)]
    want = [e.ids for e in reference.encode_batch(texts)]
    differ = [t[:80] for t, a, b in zip(texts, got, want, strict=True) if a != b]
    assert not differ, differ[:5]


def _copied(folder, tmp_path):
    """A folder holding a copy of e5's tokenizer.json, and that tokenizer's config."""
    copy = tmp_path / "e5"
    copy.mkdir()
    config = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    (copy / "tokenizer.json").write_text(json.dumps(config), encoding="utf-8")
    return copy, config


def test_a_changed_tokenizer_is_read_again_and_other_kinds_are_left_to_tokenizers(
    folder, tmp_path
):
    copy, config = _copied(folder, tmp_path)
    first = unigram.load(copy, 16)
    assert first is not None and (copy / unigram.SIDECAR).is_file()
    # a piece's score changed: the sidecar is stale and is written again
    config["model"]["vocab"][6] = ["\u2581", 0.5]
    (copy / "tokenizer.json").write_text(json.dumps(config), encoding="utf-8")
    os.utime(copy / "tokenizer.json", ns=(1, 1))
    again = unigram.load(copy, 16)
    assert again is not None
    assert again.encode(" a b").ids == _reference(copy, 16).encode(" a b").ids
    # a WordPiece tokenizer is not handled here
    word_piece = tmp_path / "minilm"
    word_piece.mkdir()
    minilm = make_embedder("all-MiniLM-L6-v2").model_path()
    assert minilm is not None
    (word_piece / "tokenizer.json").write_bytes((minilm / "tokenizer.json").read_bytes())
    assert unigram.load(word_piece, 256) is None
    assert unigram.load(word_piece, 256) is None  # from its sidecar this time


def test_a_sidecar_that_cannot_be_written_leaves_the_work_to_tokenizers(folder, tmp_path):
    copy = tmp_path / "e5"
    copy.mkdir()
    (copy / "tokenizer.json").write_bytes((folder / "tokenizer.json").read_bytes())
    (copy / unigram.SIDECAR).mkdir()  # in the way: neither read nor replaced
    assert unigram.load(copy, 512) is None
    assert sorted(p.name for p in copy.iterdir()) == sorted([unigram.SIDECAR, "tokenizer.json"])


def test_a_sidecar_in_the_wrong_layout_is_written_again_and_odd_pieces_stay_a_list(
    folder, tmp_path
):
    copy, config = _copied(folder, tmp_path)
    stat = (copy / "tokenizer.json").stat()
    # the first layout under the new name: pieces and scores as JSON lists, no "format"; its
    # scores made wrong, so that reading it would show in the ids; the old name is removed
    (copy / unigram.LEGACY_SIDECAR).write_text("{}", encoding="utf-8")
    vocab = config["model"]["vocab"]
    (copy / unigram.SIDECAR).write_text(json.dumps({
        "source": {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}, "handled": True,
        "unk_id": config["model"]["unk_id"], "pieces": [p for p, _ in vocab],
        "scores": [0.0 for _ in vocab], "frame": {},
    }), encoding="utf-8")
    text = "passage: Budget: US$ 2,580,649 for the Labour Migration Branch"
    loaded = unigram.load(copy, 64)
    assert loaded is not None
    assert loaded.encode(text).ids == _reference(copy, 64).encode(text).ids
    data = json.loads((copy / unigram.SIDECAR).read_text(encoding="utf-8"))
    assert data["format"] == unigram.FORMAT and isinstance(data["pieces"], str)
    assert not (copy / unigram.LEGACY_SIDECAR).exists()
    # a piece holding the separator: the pieces are kept as a list, and read back the same
    pieces = ["a", "b\x00c", "d"]
    assert unigram._unpack_pieces(unigram._pack_pieces(pieces)) == pieces
    assert isinstance(unigram._pack_pieces(pieces), list)
    assert unigram._unpack_scores(unigram._pack_scores([-1.5, 0.25, -3e-7])) == [-1.5, 0.25, -3e-7]
