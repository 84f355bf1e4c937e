"""The record of weights files whose sha256 was checked: a file is hashed once, and again
whenever it is rewritten or replaced."""

from __future__ import annotations

from vectorstore.embedder import file_sha256, note_verified, verified_before


def test_a_file_is_trusted_only_as_it_was_hashed(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MODELS_DIR", str(tmp_path / "models"))
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"weights" * 1000)
    digest = file_sha256(weights)
    assert not verified_before(weights, digest)  # nothing recorded yet
    note_verified(weights, digest)
    assert verified_before(weights, digest)
    assert not verified_before(weights, "0" * 64)  # another expected digest: hash again

    # a truncated or rewritten file (another size): hashed again
    weights.write_bytes(b"weights" * 999)
    assert not verified_before(weights, digest)


def test_an_unwritable_record_costs_a_hash_not_an_error(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")  # the models folder would have to be inside a file: no one can
    monkeypatch.setenv("ASSISTANT_MODELS_DIR", str(blocker / "models"))
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"x")
    note_verified(weights, file_sha256(weights))
    assert not verified_before(weights, file_sha256(weights))
