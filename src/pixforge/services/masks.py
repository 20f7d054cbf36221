"""Swap step 1: find selectable regions on a keyframe of a source video, store the keyframe and
its masks, and charge the selection (answered at once, not queued)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from pixforge.domain.errors import InternalError, InvalidParameterError
from pixforge.domain.features import Needs, swap
from pixforge.domain.features.base import check_one_source
from pixforge.domain.ids import file_url, new_token
from pixforge.domain.pricing import PriceTable
from pixforge.domain.spec import VideoSource
from pixforge.media.segment import jpeg, mask_png, segment
from pixforge.media.video import frame_at
from pixforge.services import inputs
from pixforge.services.accounts import Caller, charge, check_affordable
from pixforge.services.idempotency import replayed, replayed_in
from pixforge.services.workload import SlowWork, storage_errors
from pixforge.storage.base import BlobStore
from pixforge.store import accounts as account_repo
from pixforge.store import idempotency as replay_repo
from pixforge.store import masks as mask_repo
from pixforge.store import uploads as upload_repo
from pixforge.store.db import ConflictError, Database
from pixforge.store.masks import MaskRow
from pixforge.store.uploads import FileRow


@dataclass(frozen=True, slots=True)
class FoundMask:
    mask_id: str
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class MaskSelection:
    keyframe: int
    keyframe_url: str
    credits: int
    masks: list[FoundMask]


class MaskService:
    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        public_url: str,
        prices: PriceTable,
        slow_work: SlowWork,
    ) -> None:
        self.db = db
        # A selection decodes a frame and segments it: bounded per account and in all.
        self.slow_work = slow_work
        self.blobs = blobs
        self.public_url = public_url
        self.prices = prices

    def select(
        self,
        caller: Caller,
        trace_id: str,
        fingerprint: str,
        video_id: int | None,
        media_id: int | None,
        keyframe: int | None,
    ) -> MaskSelection:
        previous = replayed(self.db, caller.api_key_id, trace_id, fingerprint)
        if previous is not None:
            return _from_json(previous)
        with self.slow_work.slot(caller.account_id, "mask/selection"), storage_errors():
            return self._select(caller, trace_id, fingerprint, video_id, media_id, keyframe)

    def _select(
        self,
        caller: Caller,
        trace_id: str,
        fingerprint: str,
        video_id: int | None,
        media_id: int | None,
        keyframe: int | None,
    ) -> MaskSelection:
        source = VideoSource(video_id, media_id)
        check_one_source(source)
        keyframe = 1 if keyframe is None else keyframe
        needs = Needs(video=source, video_limits=swap.LIMITS)
        with self.db.read() as conn:
            video = inputs.media(conn, self.blobs, caller.account_id, needs).video
        assert video is not None
        frame_total = max(1, video.frame_count)
        if not 1 <= keyframe <= frame_total:
            raise InvalidParameterError(
                f"keyframe_id: {keyframe} is outside 1..{frame_total} (the video's frames)"
            )
        with self.blobs.materialize(video.key) as path:
            frame = frame_at(path, keyframe - 1)
        regions = segment(frame)
        cost = self.prices.mask_selection
        stored: list[tuple[str, bytes, str, str]] = [("keyframe", jpeg(frame), "image/jpeg", "jpg")]
        stored += [(region.name, mask_png(region), "image/png", "png") for region in regions]
        # Files first, outside the write transaction; they are removed again if it fails.
        now = time.time()
        written: list[tuple[str, str, str, str, int, str]] = []
        try:
            for name, data, content_type, ext in stored:
                token = new_token()
                key = f"masks/{token[:2]}/{token}.{ext}"
                written.append(
                    (name, token, key, content_type, self.blobs.put_bytes(key, data), ext)
                )
            with self.db.write() as conn:
                account = account_repo.get_account(conn, caller.account_id, for_update=True)
                assert account is not None
                twin = replayed_in(conn, caller.api_key_id, trace_id, fingerprint)
                if twin is not None:
                    self._discard(written)
                    return _from_json(twin)
                check_affordable(account, cost, "a mask selection")
                urls: list[str] = []
                masks: list[FoundMask] = []
                for name, token, key, content_type, size, ext in written:
                    upload_repo.insert_file(conn, FileRow(token, key, content_type, size, now))
                    url = file_url(self.public_url, token, f"{name}.{ext}")
                    urls.append(url)
                    if name == "keyframe":
                        continue
                    mask_id = new_token()[:24]
                    row = MaskRow(
                        mask_id, caller.account_id, video_id, media_id, keyframe, name, token, now
                    )
                    mask_repo.insert_mask(conn, row)
                    masks.append(FoundMask(mask_id, name, url))
                charge(conn, account, cost, generation_id=None, kind="mask", now=now)
                selection = MaskSelection(keyframe, urls[0], cost, masks)
                replay_repo.insert_record(
                    conn,
                    caller.api_key_id,
                    trace_id,
                    fingerprint,
                    json.dumps(asdict(selection)),
                    now,
                )
        except ConflictError as error:
            self._discard(written)
            previous = replayed(self.db, caller.api_key_id, trace_id, fingerprint)
            if previous is not None:
                return _from_json(previous)
            raise InternalError("could not record the mask selection; please retry") from error
        except BaseException:
            self._discard(written)
            raise
        return selection

    def _discard(self, written: list[tuple[str, str, str, str, int, str]]) -> None:
        for _, _, key, _, _, _ in written:
            self.blobs.delete(key)


def _from_json(data: Mapping[str, Any]) -> MaskSelection:
    return MaskSelection(
        keyframe=int(data["keyframe"]),
        keyframe_url=str(data["keyframe_url"]),
        credits=int(data["credits"]),
        masks=[FoundMask(**mask) for mask in data["masks"]],
    )
