#!/usr/bin/env python3
"""A Qdrant REST test server backed by Qdrant's own engine (PyPI `qdrant-edge-py`).

Why this exists: Quarry's Swift Qdrant adapter must be contract-tested against
something that behaves like Qdrant without running a Qdrant container. This
server speaks the subset of Qdrant's REST API the adapter uses, and answers it
with qdrant-edge, the embeddable build of Qdrant's segment/shard code, so the
scoring (cosine, sparse IDF, RRF/DBSF fusion), filtering and persistence are
Qdrant's own rather than a re-implementation.

Usage:
    python scripts/testservers/qdrant_edge_server.py --port N --data DIR \
        [--host 127.0.0.1] [--api-key KEY] [--optimize-every POINTS]

Design:
  * Every request body is validated with `qdrant_client.http.models` (pydantic,
    extra='forbid'), so a body real Qdrant would reject is rejected here too.
  * Validated models are translated into qdrant_edge objects by one function
    per model kind (the `edge_*` functions); results are translated back by the
    `rest_*` functions into Qdrant's JSON shapes.
  * One qdrant-edge shard per collection lives in DIR/<collection>/shard, next
    to DIR/<collection>/collection.json (the create request and payload index
    specs, needed to answer GET /collections/{c} the way Qdrant does). A
    restart with the same DIR reopens every collection; the shard's WAL makes
    acknowledged writes survive even a SIGKILL.
  * Anything Qdrant accepts but this server does not translate answers 501
    with Qdrant's error wrapper, so a test never silently runs against a
    behaviour that differs from Qdrant.
"""

from __future__ import annotations

import argparse
import functools
import hmac
import json
import os
import re
import shutil
import signal
import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

import qdrant_edge as qe
from pydantic import TypeAdapter, ValidationError
from qdrant_client.http import models

# Reported by GET /. Chosen so the pinned qdrant-client (1.20) does not warn
# about a server/client minor-version gap; the engine is qdrant-edge 0.9.0.
QDRANT_VERSION = "1.20.0"

# Qdrant's default `k` for {"fusion": "rrf"} and {"rrf": {}} (DEFAULT_RRF_K in
# lib/segment/src/common/reciprocal_rank_fusion.rs).
DEFAULT_RRF_K = 2
DEFAULT_LIMIT = 10
MAX_VECTOR_SIZE = 65536
U32_MAX = 2**32 - 1
U64_MAX = 2**64 - 1

# Paths real Qdrant serves without an API key.
AUTH_WHITELIST = {"/", "/healthz", "/readyz", "/livez"}

COLLECTION_FILE = "collection.json"
SHARD_DIR = "shard"


# ============================================================================
# Errors: each carries the HTTP status and the message Qdrant would send
# ============================================================================


class ApiError(Exception):
    """An error answered as {"status": {"error": message}, "time": ...}."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def format_error(detail: str) -> ApiError:
    """A body that does not parse into Qdrant's request type (serde error)."""
    return ApiError(400, f"Format error in JSON body: {detail}")


def validation_error(detail: str) -> ApiError:
    """A body that parses but fails Qdrant's `Validate` rules."""
    return ApiError(422, f"Validation error in JSON body: [{detail}]")


def wrong_input(detail: str) -> ApiError:
    return ApiError(400, f"Wrong input: {detail}")


def collection_not_found(name: str) -> ApiError:
    return ApiError(404, f"Not found: Collection `{name}` doesn't exist!")


def unsupported(feature: str) -> ApiError:
    """Valid for Qdrant but not translated here: fail loudly, never approximate."""
    return ApiError(501, f"Not implemented by the qdrant-edge test server: {feature}")


def require_unset(model: Any, *fields: str) -> None:
    """Reject request fields this server does not translate."""
    for field in fields:
        if getattr(model, field) is not None:
            raise unsupported(f"`{field}` in {type(model).__name__}")


def is_edge_panic(exc: BaseException) -> bool:
    # pyo3 turns a Rust panic into pyo3_runtime.PanicException, which derives
    # from BaseException and cannot be imported by name.
    return type(exc).__name__ == "PanicException"


def edge_error(exc: Exception) -> ApiError:
    """Map a qdrant_edge exception onto Qdrant's REST error.

    qdrant-edge raises plain exceptions whose text is Qdrant's own
    OperationError display ("Vector dimension error: expected dim: 384, got 3"),
    which Qdrant's REST layer prefixes with "Wrong input: " and answers 400.
    Its internal failures read "Service ... error" and map to 500.
    """
    message = str(exc)
    if message.startswith("Service "):
        return ApiError(500, message)
    return wrong_input(message)


# ============================================================================
# Request validation with qdrant_client's pydantic models
# ============================================================================


@functools.lru_cache(maxsize=None)
def _adapter(model_type: Any) -> TypeAdapter:
    return TypeAdapter(model_type)


def parse_body(body: bytes, model_type: Any) -> Any:
    """Decode JSON and validate it as `model_type`, answering 400 as Qdrant does."""
    if not body.strip():
        raise format_error("EOF while parsing a value at line 1 column 0")
    try:
        # serde_json rejects NaN/Infinity literals; Python's json accepts them.
        data = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise format_error(str(exc)) from None
    try:
        return _adapter(model_type).validate_python(data)
    except ValidationError as exc:
        raise format_error(_summarise(exc)) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid number `{name}`")


def _summarise(exc: ValidationError) -> str:
    """The three deepest pydantic errors, deepest first.

    For a union (e.g. PointsList | PointsBatch) pydantic reports every
    variant's failure; the deepest location is the one that got furthest, so
    it names the real culprit ("PointsList.points.0.bogus: unknown field").
    """
    errors = sorted(exc.errors(), key=lambda e: len(e["loc"]), reverse=True)[:3]
    parts = []
    for error in errors:
        location = ".".join(str(part) for part in error["loc"]) or "body"
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = f"unknown field `{error['loc'][-1]}`"
        parts.append(f"{location}: {message}")
    return "; ".join(parts)


def validate_limit(limit: int | None, path: str) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1:
        raise validation_error(f"{path}: value {limit} invalid, must be 1 or larger")
    return limit


# ============================================================================
# Translation: REST models -> qdrant_edge (one function per model kind)
# ============================================================================

DISTANCES = {
    models.Distance.COSINE: qe.Distance.Cosine,
    models.Distance.DOT: qe.Distance.Dot,
    models.Distance.EUCLID: qe.Distance.Euclid,
    models.Distance.MANHATTAN: qe.Distance.Manhattan,
}

SCHEMA_TYPES = {
    models.PayloadSchemaType.KEYWORD: qe.PayloadSchemaType.Keyword,
    models.PayloadSchemaType.INTEGER: qe.PayloadSchemaType.Integer,
    models.PayloadSchemaType.FLOAT: qe.PayloadSchemaType.Float,
    models.PayloadSchemaType.GEO: qe.PayloadSchemaType.Geo,
    models.PayloadSchemaType.TEXT: qe.PayloadSchemaType.Text,
    models.PayloadSchemaType.BOOL: qe.PayloadSchemaType.Bool,
    models.PayloadSchemaType.DATETIME: qe.PayloadSchemaType.Datetime,
    models.PayloadSchemaType.UUID: qe.PayloadSchemaType.Uuid,
}

REST_SCHEMA_TYPES = {edge: rest.value for rest, edge in SCHEMA_TYPES.items()}

# Index params whose REST fields match the edge constructor's keywords 1:1.
INDEX_PARAM_CLASSES = {
    "keyword": qe.KeywordIndexParams,
    "integer": qe.IntegerIndexParams,
    "float": qe.FloatIndexParams,
    "geo": qe.GeoIndexParams,
    "bool": qe.BoolIndexParams,
    "datetime": qe.DatetimeIndexParams,
    "uuid": qe.UuidIndexParams,
}

UPDATE_MODES = {
    models.UpdateMode.UPSERT: qe.UpdateMode.Upsert,
    models.UpdateMode.INSERT_ONLY: qe.UpdateMode.InsertOnly,
    models.UpdateMode.UPDATE_ONLY: qe.UpdateMode.UpdateOnly,
}

MEMORY = {"cold": qe.Memory.Cold, "cached": qe.Memory.Cached, "pinned": qe.Memory.Pinned}


# --- collection config -------------------------------------------------------


def edge_vector_params(params: models.VectorParams, path: str) -> qe.EdgeVectorParams:
    require_unset(params, "hnsw_config", "quantization_config", "memory", "datatype", "multivector_config")
    if not 1 <= params.size <= MAX_VECTOR_SIZE:
        raise validation_error(f"{path}.size: value {params.size} invalid, must be from 1 to {MAX_VECTOR_SIZE}")
    return qe.EdgeVectorParams(size=params.size, distance=DISTANCES[params.distance], on_disk=params.on_disk)


def edge_sparse_vector_params(params: models.SparseVectorParams) -> qe.EdgeSparseVectorParams:
    index = params.index or models.SparseIndexParams()
    require_unset(index, "memory", "datatype")
    modifier = qe.Modifier.Idf if params.modifier == models.Modifier.IDF else None
    return qe.EdgeSparseVectorParams(
        full_scan_threshold=index.full_scan_threshold, on_disk=index.on_disk, modifier=modifier
    )


def edge_config(request: models.CreateCollection) -> qe.EdgeConfig:
    # Cluster-only knobs (shard_number, replication_factor,
    # write_consistency_factor) are meaningless for one local shard: accepted
    # and echoed back. Tuning knobs that would change behaviour are refused.
    require_unset(
        request,
        "sharding_method",
        "payload",
        "id_tracker",
        "hnsw_config",
        "wal_config",
        "optimizers_config",
        "quantization_config",
        "strict_mode_config",
    )
    vectors: Any = None
    if isinstance(request.vectors, models.VectorParams):
        vectors = edge_vector_params(request.vectors, "vectors")  # the unnamed default vector
    elif request.vectors:
        vectors = {name: edge_vector_params(p, f"vectors.{name}") for name, p in request.vectors.items()}
    sparse = None
    if request.sparse_vectors:
        sparse = {name: edge_sparse_vector_params(p) for name, p in request.sparse_vectors.items()}
    if not vectors and not sparse:
        raise unsupported("collections without vectors (qdrant-edge needs at least one)")
    return qe.EdgeConfig(vectors=vectors, sparse_vectors=sparse, on_disk_payload=request.on_disk_payload)


# --- points ------------------------------------------------------------------


def edge_point_id(point_id: Any) -> int | str:
    """Qdrant ids are u64 or UUIDs; pydantic accepts any int or string."""
    if isinstance(point_id, uuid.UUID):
        return str(point_id)
    if isinstance(point_id, int) and 0 <= point_id <= U64_MAX:
        return point_id
    if isinstance(point_id, str):
        try:
            return str(uuid.UUID(point_id))
        except ValueError:
            pass
    raise format_error(
        f"value {point_id} is not a valid point ID, valid values are either an unsigned integer or a UUID"
    )


def edge_sparse_vector(vector: models.SparseVector, path: str) -> qe.SparseVector:
    # Checked here because qdrant-edge panics on a length mismatch and silently
    # stores duplicate indices; Qdrant answers both with a validation error.
    if len(vector.indices) != len(vector.values):
        raise validation_error(f"{path}.values: must be the same length as indices")
    if len(set(vector.indices)) != len(vector.indices):
        raise validation_error(f"{path}.indices: must be unique")
    for index in vector.indices:
        if not 0 <= index <= U32_MAX:
            raise format_error(f"{path}.indices: invalid value: integer `{index}`, expected u32")
    return qe.SparseVector(vector.indices, vector.values)


def edge_vector(vector: Any, path: str) -> Any:
    """One named vector: dense list or sparse {indices, values}."""
    if isinstance(vector, models.SparseVector):
        return edge_sparse_vector(vector, path)
    if isinstance(vector, list) and all(isinstance(x, float) for x in vector):
        return vector
    if isinstance(vector, list):
        raise unsupported("multi-vectors")
    raise unsupported(f"{type(vector).__name__} vectors (server-side inference)")


def edge_vector_struct(vectors: Any, path: str) -> Any:
    """A point's vectors: a bare list for the unnamed vector, or a dict by name."""
    if isinstance(vectors, dict):
        return {name: edge_vector(v, f"{path}.{name}") for name, v in vectors.items()}
    return edge_vector(vectors, path)


def edge_points_list(request: models.PointsList) -> list[qe.Point]:
    return [
        qe.Point(edge_point_id(p.id), edge_vector_struct(p.vector, f"points[{i}].vector"), p.payload)
        for i, p in enumerate(request.points)
    ]


def edge_points_batch(request: models.PointsBatch) -> list[qe.Point]:
    batch = request.batch
    count = len(batch.ids)
    if isinstance(batch.vectors, dict):
        if any(len(column) != count for column in batch.vectors.values()):
            raise wrong_input("number of ids and vectors must be equal")
        per_point = [{name: column[i] for name, column in batch.vectors.items()} for i in range(count)]
    else:
        if len(batch.vectors) != count:
            raise wrong_input("number of ids and vectors must be equal")
        per_point = list(batch.vectors)
    payloads = batch.payloads if batch.payloads is not None else [None] * count
    if len(payloads) != count:
        raise wrong_input("number of ids and payloads must be equal")
    return [
        qe.Point(edge_point_id(pid), edge_vector_struct(vec, f"batch.vectors[{i}]"), payload)
        for i, (pid, vec, payload) in enumerate(zip(batch.ids, per_point, payloads))
    ]


def edge_upsert(request: models.PointsList | models.PointsBatch) -> tuple[qe.UpdateOperation, int]:
    """The upsert operation and the number of points it writes."""
    require_unset(request, "shard_key")
    if isinstance(request, models.PointsList):
        points = edge_points_list(request)
    else:
        points = edge_points_batch(request)
    mode = UPDATE_MODES[request.update_mode] if request.update_mode else None
    operation = qe.UpdateOperation.upsert_points(points, condition=edge_filter(request.update_filter), update_mode=mode)
    return operation, len(points)


def edge_delete(selector: models.PointIdsList | models.FilterSelector) -> qe.UpdateOperation:
    require_unset(selector, "shard_key")
    if isinstance(selector, models.PointIdsList):
        return qe.UpdateOperation.delete_points([edge_point_id(p) for p in selector.points])
    return qe.UpdateOperation.delete_points_by_filter(edge_filter(selector.filter))


# --- filters -----------------------------------------------------------------


def edge_filter(filter_: models.Filter | None) -> qe.Filter | None:
    if filter_ is None:
        return None
    min_should = None
    if filter_.min_should is not None:
        min_should = qe.MinShould(
            conditions=edge_conditions(filter_.min_should.conditions), min_count=filter_.min_should.min_count
        )
    return qe.Filter(
        must=edge_conditions(filter_.must),
        should=edge_conditions(filter_.should),
        must_not=edge_conditions(filter_.must_not),
        min_should=min_should,
    )


def edge_conditions(conditions: Any) -> list | None:
    """Qdrant accepts a single condition where a list is expected."""
    if conditions is None:
        return None
    if not isinstance(conditions, list):
        conditions = [conditions]
    return [edge_condition(c) for c in conditions]


def edge_condition(condition: Any) -> Any:
    if isinstance(condition, models.FieldCondition):
        return edge_field_condition(condition)
    if isinstance(condition, models.Filter):
        return edge_filter(condition)
    if isinstance(condition, models.IsEmptyCondition):
        return qe.IsEmptyCondition(condition.is_empty.key)
    if isinstance(condition, models.IsNullCondition):
        return qe.IsNullCondition(condition.is_null.key)
    if isinstance(condition, models.HasIdCondition):
        return qe.HasIdCondition({edge_point_id(p) for p in condition.has_id})
    if isinstance(condition, models.HasVectorCondition):
        return qe.HasVectorCondition(condition.has_vector)
    if isinstance(condition, models.NestedCondition):
        return qe.NestedCondition(condition.nested.key, edge_filter(condition.nested.filter))
    raise unsupported(f"{type(condition).__name__} filter conditions")


def edge_field_condition(condition: models.FieldCondition) -> qe.FieldCondition:
    require_unset(condition, "geo_bounding_box", "geo_radius", "geo_polygon")
    values_count = None
    if condition.values_count is not None:
        values_count = qe.ValuesCount(**condition.values_count.model_dump())
    return qe.FieldCondition(
        condition.key,
        match=edge_match(condition.match),
        range=edge_range(condition.range),
        values_count=values_count,
        is_empty=condition.is_empty,
        is_null=condition.is_null,
    )


def edge_match(match: Any) -> Any:
    if match is None:
        return None
    if isinstance(match, models.MatchValue):
        return qe.MatchValue(match.value)
    if isinstance(match, models.MatchAny):
        return qe.MatchAny(match.any)
    if isinstance(match, models.MatchExcept):
        return qe.MatchExcept(match.except_)
    if isinstance(match, models.MatchText):
        return qe.MatchText(match.text)
    if isinstance(match, models.MatchTextAny):
        return qe.MatchTextAny(match.text_any)
    if isinstance(match, models.MatchPhrase):
        return qe.MatchPhrase(match.phrase)
    if isinstance(match, models.MatchPrefix):
        return qe.MatchPrefix(match.prefix)
    if isinstance(match, models.MatchSubstring):
        return qe.MatchSubstring(match.substring)
    raise unsupported(f"{type(match).__name__} matches")


def edge_range(range_: Any) -> Any:
    if range_ is None:
        return None
    if isinstance(range_, models.Range):
        return qe.RangeFloat(gte=range_.gte, gt=range_.gt, lte=range_.lte, lt=range_.lt)
    iso = {k: (v.isoformat() if v is not None else None) for k, v in range_.model_dump().items()}
    return qe.RangeDateTime(**iso)


# --- payload indexes ---------------------------------------------------------


def edge_payload_schema(schema: Any) -> Any:
    if schema is None:
        raise unsupported("payload index without `field_schema` (type inference)")
    if isinstance(schema, models.PayloadSchemaType):
        return SCHEMA_TYPES[schema]
    kind = schema.type.value
    params = schema.model_dump(mode="json", exclude_none=True, exclude={"type"})
    if "memory" in params:
        params["memory"] = MEMORY[params["memory"]]
    if kind == "text" and not params:
        return qe.PayloadSchemaType.Text
    if kind not in INDEX_PARAM_CLASSES:
        raise unsupported(f"{kind} index parameters")
    return INDEX_PARAM_CLASSES[kind](**params)


# --- queries -----------------------------------------------------------------


def edge_query(query: Any, using: str | None, path: str) -> Any:
    """QueryInterface -> qe.Query / qe.Fusion. `using` names the vector searched."""
    if query is None:
        return None
    if isinstance(query, models.NearestQuery):
        require_unset(query, "mmr")
        query = query.nearest
    if isinstance(query, models.SparseVector):
        return qe.Query.Nearest(edge_sparse_vector(query, path), using=using)
    if isinstance(query, list) and all(isinstance(x, float) for x in query):
        return qe.Query.Nearest(query, using=using)
    if isinstance(query, list):
        raise unsupported("multi-vector queries")
    if isinstance(query, models.FusionQuery):
        return qe.Fusion.Rrf(k=DEFAULT_RRF_K) if query.fusion == models.Fusion.RRF else qe.Fusion.Dbsf()
    if isinstance(query, models.RrfQuery):
        k = query.rrf.k if query.rrf.k is not None else DEFAULT_RRF_K
        return qe.Fusion.Rrf(k=k, weights=query.rrf.weights)
    if isinstance(query, (int, str, uuid.UUID)):
        raise unsupported("query by point id")
    raise unsupported(f"{type(query).__name__} queries")


def edge_search_params(params: models.SearchParams | None) -> qe.SearchParams | None:
    if params is None:
        return None
    require_unset(params, "quantization", "acorn", "idf")
    return qe.SearchParams(hnsw_ef=params.hnsw_ef, exact=bool(params.exact), indexed_only=bool(params.indexed_only))


def edge_prefetches(prefetch: Any, path: str) -> list[qe.Prefetch] | None:
    """Qdrant accepts one prefetch object where a list is expected."""
    if prefetch is None:
        return None
    if not isinstance(prefetch, list):
        prefetch = [prefetch]
    return [edge_prefetch(p, f"{path}[{i}]") for i, p in enumerate(prefetch)]


def edge_prefetch(prefetch: models.Prefetch, path: str) -> qe.Prefetch:
    require_unset(prefetch, "lookup_from")
    return qe.Prefetch(
        limit=validate_limit(prefetch.limit, f"{path}.limit"),
        query=edge_query(prefetch.query, prefetch.using, f"{path}.query"),
        prefetches=edge_prefetches(prefetch.prefetch, f"{path}.prefetch"),
        params=edge_search_params(prefetch.params),
        filter=edge_filter(prefetch.filter),
        score_threshold=prefetch.score_threshold,
    )


def edge_with_payload(with_payload: Any) -> Any:
    if with_payload is None:
        return False  # Qdrant's default for /points/query
    if isinstance(with_payload, models.PayloadSelectorInclude):
        return qe.PayloadSelector.Include(with_payload.include)
    if isinstance(with_payload, models.PayloadSelectorExclude):
        return qe.PayloadSelector.Exclude(with_payload.exclude)
    return with_payload  # bool or list of keys


def edge_query_request(request: models.QueryRequest) -> qe.QueryRequest:
    require_unset(request, "shard_key", "lookup_from")
    return qe.QueryRequest(
        limit=validate_limit(request.limit, "limit"),
        offset=request.offset,
        query=edge_query(request.query, request.using, "query"),
        prefetches=edge_prefetches(request.prefetch, "prefetch"),
        with_vector=request.with_vector if request.with_vector is not None else False,
        with_payload=edge_with_payload(request.with_payload),
        filter=edge_filter(request.filter),
        score_threshold=request.score_threshold,
        params=edge_search_params(request.params),
    )


# ============================================================================
# Translation: qdrant_edge -> REST JSON
# ============================================================================


def rest_point_id(point_id: Any) -> int | str:
    return str(point_id) if isinstance(point_id, uuid.UUID) else point_id


def rest_vector(vector: Any) -> Any:
    if isinstance(vector, qe.SparseVector):
        return {"indices": list(vector.indices), "values": list(vector.values)}
    return list(vector)


def rest_vectors(vectors: Any) -> Any:
    """Named vectors as a dict; the unnamed default vector as a bare list (as Qdrant)."""
    if isinstance(vectors, dict):
        return {name: rest_vector(v) for name, v in vectors.items()}
    return rest_vector(vectors)


def rest_scored_point(point: qe.ScoredPoint) -> dict:
    # Qdrant skips payload/vector/order_value when they were not requested.
    out: dict[str, Any] = {"id": rest_point_id(point.id), "version": point.version, "score": point.score}
    if point.payload is not None:
        out["payload"] = point.payload
    if point.vector is not None:
        out["vector"] = rest_vectors(point.vector)
    if point.order_value is not None:
        out["order_value"] = point.order_value
    return out


def rest_update_result(operation_id: int) -> dict:
    return {"operation_id": operation_id, "status": "completed"}


# Defaults real Qdrant reports for a collection created without tuning.
DEFAULT_HNSW = {"m": 16, "ef_construct": 100, "full_scan_threshold": 10000, "max_indexing_threads": 0, "on_disk": False}
DEFAULT_OPTIMIZER = {
    "deleted_threshold": 0.2,
    "vacuum_min_vector_number": 1000,
    "default_segment_number": 0,
    "max_segment_size": None,
    "memmap_threshold": None,
    "indexing_threshold": 10000,
    "flush_interval_sec": 5,
    "max_optimization_threads": None,
}
DEFAULT_WAL = {"wal_capacity_mb": 32, "wal_segments_ahead": 0}


def rest_collection_params(create: dict) -> dict:
    params = {
        "vectors": create.get("vectors", {}),
        "shard_number": create.get("shard_number", 1),
        "replication_factor": create.get("replication_factor", 1),
        "write_consistency_factor": create.get("write_consistency_factor", 1),
        "on_disk_payload": create.get("on_disk_payload", True),
    }
    if "sparse_vectors" in create:
        params["sparse_vectors"] = create["sparse_vectors"]
    return params


def rest_payload_schema(info: qe.ShardInfo, specs: dict) -> dict:
    schema = {}
    for field, index in info.payload_schema.items():
        entry: dict[str, Any] = {"data_type": REST_SCHEMA_TYPES[index.data_type]}
        if isinstance(specs.get(field), dict):  # created with params: Qdrant echoes them
            entry["params"] = specs[field]
        entry["points"] = index.points
        schema[field] = entry
    return schema


def rest_collection_info(info: qe.ShardInfo, meta: dict) -> dict:
    create = meta["create"]
    config = {
        "params": rest_collection_params(create),
        "hnsw_config": DEFAULT_HNSW,
        "optimizer_config": DEFAULT_OPTIMIZER,
        "wal_config": DEFAULT_WAL,
        "quantization_config": None,
        "strict_mode_config": {"enabled": False},
    }
    if "metadata" in create:
        config["metadata"] = create["metadata"]
    return {
        "status": "green",
        "optimizer_status": "ok",
        "indexed_vectors_count": info.indexed_vectors_count,
        "points_count": info.points_count,
        "segments_count": info.segments_count,
        "config": config,
        "payload_schema": rest_payload_schema(info, meta.get("payload_schema", {})),
    }


# ============================================================================
# Storage: one shard per collection, guarded by its own lock
# ============================================================================


class Collection:
    """A shard, its REST-level metadata, and the lock serialising access.

    One lock per collection keeps the bookkeeping (operation ids, the optimize
    counter, collection.json) race-free. Finer locking would buy little: the
    shard's optimize() holds the GIL while it builds indexes, stalling every
    Python thread whatever the locks.
    """

    def __init__(self, name: str, root: str, shard: qe.EdgeShard, meta: dict, optimize_every: int):
        self.name = name
        self.root = root
        self.shard = shard
        self.meta = meta
        self.lock = threading.Lock()
        self.closed = False
        self.optimize_every = optimize_every
        self.written_since_optimize = 0
        self.last_operation_id = 0

    def run(self, action: Callable[[qe.EdgeShard], Any]) -> Any:
        """Run `action` on the shard under the lock, mapping edge errors to REST."""
        with self.lock:
            if self.closed:  # deleted (or shutting down) while we waited
                raise collection_not_found(self.name)
            try:
                return action(self.shard)
            except Exception as exc:
                # qdrant_edge reports bad input as a bare Exception or a
                # ValueError; any other type is a bug here and stays a 500.
                if type(exc) in (Exception, ValueError):
                    raise edge_error(exc) from exc
                raise

    def update(self, operation: qe.UpdateOperation, written: int | None = 0) -> dict:
        """Apply a write, then optimize once enough points were written.

        `written` is the number of points the operation writes, or None to
        measure it as the drop in points_count (a delete by filter).

        Optimize policy: real Qdrant optimizes in the background; qdrant-edge
        only when asked. optimize() is a no-op (~0 ms) until a segment crosses
        Qdrant's indexing threshold (10,000 KB of vectors, ~6,500 points of
        384-d), and then builds HNSW for seconds while holding the GIL. So it
        is called after every `optimize_every` written points: cheap while
        there is nothing to do, and indexing happens in bounded steps.
        """

        def apply(shard: qe.EdgeShard) -> dict:
            before = shard.info().points_count if written is None else 0
            shard.update(operation)
            count = before - shard.info().points_count if written is None else written
            self.last_operation_id += 1
            self.written_since_optimize += count
            if self.written_since_optimize >= self.optimize_every:
                shard.optimize()
                self.written_since_optimize = 0
            return rest_update_result(self.last_operation_id)

        return self.run(apply)

    def remember_index(self, field: str, spec: Any) -> None:
        """Persist a payload index spec so GET /collections/{c} echoes its params."""

        def persist(shard: qe.EdgeShard) -> None:
            self.meta.setdefault("payload_schema", {})[field] = spec
            _write_json_atomically(os.path.join(self.root, COLLECTION_FILE), self.meta)

        self.run(persist)

    def close(self) -> None:
        with self.lock:
            if not self.closed:
                self.closed = True
                self.shard.flush()
                self.shard.close()


def _write_json_atomically(path: str, data: dict) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


# Characters Qdrant forbids in collection names (they also keep names safe as
# directory names here).
FORBIDDEN_NAME_CHARS = set('<>:"/\\|?*\0')


def validate_collection_name(name: str) -> None:
    if not name or len(name) > 255 or name in (".", "..") or FORBIDDEN_NAME_CHARS & set(name):
        raise ApiError(422, f"Validation error in path parameters: [name: invalid collection name {name!r}]")


class Registry:
    """The collections under --data, created, loaded and deleted atomically.

    A collection exists iff DIR/<name>/collection.json exists: it is written
    after the shard is created and removed before the shard is deleted, so a
    crash half-way leaves a directory that is ignored (and replaced on create).
    """

    def __init__(self, data_dir: str, optimize_every: int):
        self.data_dir = os.path.abspath(data_dir)
        self.optimize_every = optimize_every
        self.lock = threading.Lock()
        self.collections: dict[str, Collection] = {}
        os.makedirs(self.data_dir, exist_ok=True)

    def load_all(self) -> None:
        for name in sorted(os.listdir(self.data_dir)):
            root = os.path.join(self.data_dir, name)
            meta_path = os.path.join(root, COLLECTION_FILE)
            if not os.path.isfile(meta_path):
                continue
            with open(meta_path, encoding="utf-8") as handle:
                meta = json.load(handle)
            # The shard persists its own config (edge_config.json); loading
            # without one reopens it as created, replaying the WAL.
            shard = qe.EdgeShard.load(os.path.join(root, SHARD_DIR))
            self.collections[name] = Collection(name, root, shard, meta, self.optimize_every)

    def get(self, name: str) -> Collection:
        validate_collection_name(name)
        with self.lock:
            collection = self.collections.get(name)
        if collection is None:
            raise collection_not_found(name)
        return collection

    def exists(self, name: str) -> bool:
        validate_collection_name(name)
        with self.lock:
            return name in self.collections

    def create(self, name: str, request: models.CreateCollection) -> None:
        validate_collection_name(name)
        config = edge_config(request)
        with self.lock:
            if name in self.collections:
                raise ApiError(409, f"Wrong input: Collection `{name}` already exists!")
            root = os.path.join(self.data_dir, name)
            shutil.rmtree(root, ignore_errors=True)  # leftovers of a crashed create/delete
            try:
                shard = qe.EdgeShard.create(os.path.join(root, SHARD_DIR), config)
            except Exception as exc:
                shutil.rmtree(root, ignore_errors=True)
                raise edge_error(exc) from exc
            meta = {"create": request.model_dump(mode="json", exclude_none=True), "payload_schema": {}}
            _write_json_atomically(os.path.join(root, COLLECTION_FILE), meta)
            self.collections[name] = Collection(name, root, shard, meta, self.optimize_every)

    def delete(self, name: str) -> bool:
        validate_collection_name(name)
        with self.lock:
            collection = self.collections.pop(name, None)
            if collection is None:
                return False
            collection.close()
            os.remove(os.path.join(collection.root, COLLECTION_FILE))
            shutil.rmtree(collection.root, ignore_errors=True)
            return True

    def close_all(self) -> None:
        with self.lock:
            for collection in self.collections.values():
                collection.close()


# ============================================================================
# Endpoints: each takes (registry, collection name, body) and returns `result`
# ============================================================================


def collection_exists(registry: Registry, name: str, body: bytes) -> dict:
    return {"exists": registry.exists(name)}


def get_collection(registry: Registry, name: str, body: bytes) -> dict:
    collection = registry.get(name)
    return collection.run(lambda shard: rest_collection_info(shard.info(), collection.meta))


def create_collection(registry: Registry, name: str, body: bytes) -> bool:
    registry.create(name, parse_body(body, models.CreateCollection))
    return True


def delete_collection(registry: Registry, name: str, body: bytes) -> bool:
    return registry.delete(name)


def create_field_index(registry: Registry, name: str, body: bytes) -> dict:
    request = parse_body(body, models.CreateFieldIndex)
    schema = edge_payload_schema(request.field_schema)
    collection = registry.get(name)
    result = collection.update(qe.UpdateOperation.create_field_index(request.field_name, schema))
    spec = request.field_schema
    collection.remember_index(
        request.field_name,
        spec.value if isinstance(spec, models.PayloadSchemaType) else spec.model_dump(mode="json", exclude_none=True),
    )
    return result


def upsert_points(registry: Registry, name: str, body: bytes) -> dict:
    operation, written = edge_upsert(parse_body(body, models.PointInsertOperations))
    return registry.get(name).update(operation, written)


def delete_points(registry: Registry, name: str, body: bytes) -> dict:
    operation = edge_delete(parse_body(body, models.PointsSelector))
    # Deleted points also count towards optimize (vacuum); measured by the
    # drop in points_count since a filter's match count is not known upfront.
    return registry.get(name).update(operation, written=None)


def count_points(registry: Registry, name: str, body: bytes) -> dict:
    request = parse_body(body, models.CountRequest)
    require_unset(request, "shard_key")
    edge_request = qe.CountRequest(exact=request.exact is not False, filter=edge_filter(request.filter))
    return {"count": registry.get(name).run(lambda shard: shard.count(edge_request))}


def query_points(registry: Registry, name: str, body: bytes) -> dict:
    edge_request = edge_query_request(parse_body(body, models.QueryRequest))
    points = registry.get(name).run(lambda shard: shard.query(edge_request))
    return {"points": [rest_scored_point(p) for p in points]}


def query_points_batch(registry: Registry, name: str, body: bytes) -> list:
    request = parse_body(body, models.QueryRequestBatch)
    batch = qe.QueryBatchRequest([edge_query_request(search) for search in request.searches])
    results = registry.get(name).run(lambda shard: shard.query_batch(batch))
    return [{"points": [rest_scored_point(p) for p in points]} for points in results]


_C = r"/collections/(?P<name>[^/]+)"
ROUTES: list[tuple[str, re.Pattern, Callable[[Registry, str, bytes], Any]]] = [
    ("GET", re.compile(_C + "/exists"), collection_exists),
    ("GET", re.compile(_C), get_collection),
    ("PUT", re.compile(_C), create_collection),
    ("DELETE", re.compile(_C), delete_collection),
    ("PUT", re.compile(_C + "/index"), create_field_index),
    ("PUT", re.compile(_C + "/points"), upsert_points),
    ("POST", re.compile(_C + "/points/delete"), delete_points),
    ("POST", re.compile(_C + "/points/count"), count_points),
    ("POST", re.compile(_C + "/points/query"), query_points),
    ("POST", re.compile(_C + "/points/query/batch"), query_points_batch),
]

# Plain, unwrapped answers (as real Qdrant sends them).
SERVICE_ROUTES = {
    "/": ("application/json", json.dumps({"title": "qdrant - vector search engine", "version": QDRANT_VERSION})),
    "/healthz": ("text/plain; charset=utf-8", "healthz check passed"),
    "/readyz": ("text/plain; charset=utf-8", "all shards are ready"),
    "/livez": ("text/plain; charset=utf-8", "livez check passed"),
}


# ============================================================================
# The application, independent of the HTTP transport
# ============================================================================


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = None


def json_response(status: int, payload: dict) -> Response:
    return Response(status, json.dumps(payload, separators=(",", ":")).encode(), "application/json")


class App:
    def __init__(self, registry: Registry, api_key: str | None):
        self.registry = registry
        self.api_key = api_key
        self.stopping = False

    def handle(self, method: str, target: str, headers: Any, body: bytes) -> Response:
        started = time.perf_counter()
        path = urlsplit(target).path  # query parameters (wait, timeout, ...) are accepted and ignored
        denied = self._check_auth(path, headers)
        if denied is not None:
            return denied
        if method == "GET" and path in SERVICE_ROUTES:
            content_type, text = SERVICE_ROUTES[path]
            return Response(200, text.encode(), content_type)
        route = self._route(method, path)
        if route is None:
            return Response(404)  # actix's default: empty body
        endpoint, name = route
        try:
            if self.stopping:
                raise ApiError(503, "Service unavailable: the server is shutting down")
            result = endpoint(self.registry, name, body)
            return json_response(200, {"result": result, "status": "ok", "time": time.perf_counter() - started})
        except ApiError as exc:
            return self._error(exc.status, exc.message, started)
        except Exception as exc:
            traceback.print_exc()
            return self._error(500, f"Service internal error: {exc}", started)
        except BaseException as exc:
            if not is_edge_panic(exc):
                raise
            traceback.print_exc()
            return self._error(500, f"Service internal error: qdrant-edge panicked: {exc}", started)

    @staticmethod
    def _error(status: int, message: str, started: float) -> Response:
        return json_response(status, {"status": {"error": message}, "time": time.perf_counter() - started})

    @staticmethod
    def _route(method: str, path: str) -> tuple[Callable, str] | None:
        for route_method, pattern, endpoint in ROUTES:
            match = pattern.fullmatch(path)
            if match and route_method == method:
                return endpoint, unquote(match.group("name"))
        return None

    def _check_auth(self, path: str, headers: Any) -> Response | None:
        """Qdrant's rule: `api-key` header, else `Authorization: Bearer <key>`.

        Real Qdrant answers 401 with a plain-text body both when the key is
        missing and when it is wrong (AuthError::Unauthorized in
        src/common/auth/mod.rs); 403 is reserved for JWT access denials.
        """
        if self.api_key is None or path in AUTH_WHITELIST:
            return None
        key = headers.get("api-key")
        if key is None:
            authorization = headers.get("authorization") or ""
            key = authorization[len("Bearer ") :] if authorization.startswith("Bearer ") else None
        if key is None:
            return Response(401, b"Must provide an API key or an Authorization bearer token", "text/plain")
        if not hmac.compare_digest(key.encode(), self.api_key.encode()):
            return Response(401, b"Invalid API key or JWT", "text/plain")
        return None


# ============================================================================
# HTTP transport
# ============================================================================


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as URLSession and httpx expect
    # Headers and body go out in two writes: with Nagle's algorithm on, the body waits for the
    # client's delayed ACK of the headers (40 ms on Linux), which real Qdrant never adds.
    disable_nagle_algorithm = True
    server_version = "qdrant-edge-test-server"
    sys_version = ""

    def do_GET(self) -> None:
        self._serve()

    do_PUT = do_POST = do_DELETE = do_PATCH = do_GET

    def _serve(self) -> None:
        started = time.perf_counter()
        body = b""
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            response = json_response(400, {"status": {"error": "Format error in JSON body: unreadable body"}, "time": 0.0})
        else:
            response = self.server.app.handle(self.command, self.path, self.headers, body)  # type: ignore[attr-defined]
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)
        sys.stderr.write(
            f"{time.strftime('%H:%M:%S')} {self.client_address[0]} \"{self.command} {self.path}\" "
            f"{response.status} in={len(body)}B out={len(response.body)}B {time.perf_counter() - started:.4f}s\n"
        )
        sys.stderr.flush()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip(), 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()  # CRLF after each chunk

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        pass  # one line per request is written by _serve, with timing

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{time.strftime('%H:%M:%S')} {self.client_address[0]} {format % args}\n")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True, help="port to listen on (0 picks a free one)")
    parser.add_argument("--data", required=True, help="directory holding one shard per collection")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--api-key", default=None, help="require this key, as Qdrant's service.api_key")
    parser.add_argument(
        "--optimize-every", type=int, default=1000, help="call the shard's optimize() after this many written points"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # A parent may spawn us with SIGTERM/SIGINT blocked (seen with servers
    # started from `swift test`): every thread inherits that mask, so a stop
    # request would stay pending forever. Unblock them before any thread
    # (qdrant-edge's search pool, the HTTP threads) is created.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    registry = Registry(args.data, args.optimize_every)
    registry.load_all()
    app = App(registry, args.api_key)

    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True  # idle keep-alive connections must not block exit
    server.app = app  # type: ignore[attr-defined]

    # serve_forever runs in a thread: shutdown() must be called from another
    # thread than the one serving, and the main thread waits for a signal.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="http", daemon=True)
    serving.start()
    host, port = server.server_address[:2]
    sys.stderr.write(
        f"qdrant-edge test server listening on http://{host}:{port} "
        f"(data {registry.data_dir}, {len(registry.collections)} collections)\n"
    )
    sys.stderr.flush()

    # A test server must not outlive the test process that started it, even one that dies
    # without stopping it (a shared server in a static, a crash): once re-parented, stop.
    parent = os.getppid()
    while not stop.wait(0.1):  # a timed wait lets the main thread run the Python signal handlers
        if os.getppid() != parent:
            break
    app.stopping = True
    server.shutdown()
    server.server_close()
    registry.close_all()  # waits for in-flight shard work, then flushes and closes
    sys.stderr.write("qdrant-edge test server stopped\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
