/// Quarry's API as OpenAPI 3.1, served at `GET /api/v1/openapi.json` (no token needed, like
/// `/health`: it describes, it reveals nothing). Tests keep it true: its paths and methods are
/// exactly the router's, every property is snake_case, it validates as OpenAPI, and schemathesis
/// checks a live server's answers against it (Tests/QuarryCLITests/SchemathesisTests.swift).
enum OpenAPISpec {
    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "Quarry",
    "version": "1",
    "description": "Self-hosted search and question answering over your documents, with exact citations. Every key is snake_case; every error is the Error body."
  },
  "components": {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
    "schemas": {
      "Error": {
        "type": "object",
        "properties": {
          "error": {
            "type": "object",
            "properties": {
              "code": {
                "type": "string",
                "description": "a stable word: bad_request, invalid_field, not_found, too_large, unsupported_media_type, backend_unavailable, llm_unavailable, …"
              },
              "message": {"type": "string", "description": "what went wrong, for a person"},
              "field": {
                "type": ["string", "null"],
                "description": "the request field at fault as a JSON pointer into the body (/top_k, /paths/2) or the name of a query parameter (limit); null when none is"
              }
            },
            "additionalProperties": false,
            "required": ["code", "message", "field"]
          }
        },
        "additionalProperties": false,
        "required": ["error"]
      },
      "Source": {
        "type": "object",
        "properties": {
          "uri": {"type": "string"},
          "filename": {"type": "string"},
          "media_type": {"type": "string", "enum": ["application/pdf", "text/html", "text/plain"]}
        },
        "additionalProperties": false,
        "required": ["uri", "media_type"]
      },
      "Document": {
        "type": "object",
        "properties": {
          "id": {"type": "string", "description": "sha256 of the bytes, hex"},
          "title": {"type": "string"},
          "source": {"$ref": "#/components/schemas/Source"},
          "status": {
            "type": "string",
            "enum": ["queued", "parsing", "parsed", "chunking", "embedding", "indexed", "failed", "needs_ocr", "canceled"]
          },
          "error": {"type": "string", "description": "why it failed or needs attention"},
          "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
          "pages": {"type": "integer"},
          "progress": {
            "type": "object",
            "properties": {
              "chunks": {"type": "integer"},
              "chunks_indexed": {"type": "integer"},
              "stage": {"type": "integer", "description": "stages done of queued → parsing → chunking → embedding → indexed"},
              "stages": {"type": "integer"}
            },
            "additionalProperties": false,
            "required": ["chunks", "chunks_indexed", "stage", "stages"]
          },
          "created_at": {"type": "string", "format": "date-time"},
          "updated_at": {"type": "string", "format": "date-time"},
          "status_url": {"type": "string"}
        },
        "additionalProperties": false,
        "required": ["id", "source", "status", "metadata", "pages", "progress", "created_at", "updated_at", "status_url"]
      },
      "DocumentList": {
        "type": "object",
        "properties": {
          "documents": {"type": "array", "items": {"$ref": "#/components/schemas/Document"}},
          "limit": {"type": "integer"},
          "offset": {"type": "integer"}
        },
        "additionalProperties": false,
        "required": ["documents", "limit", "offset"]
      },
      "URLSubmission": {
        "type": "object",
        "properties": {
          "url": {
            "type": "string",
            "description": "http(s); private, loopback and link-local targets refused unless allow_private_urls"
          }
        },
        "additionalProperties": false,
        "required": ["url"]
      },
      "IndexJobRequest": {
        "type": "object",
        "properties": {
          "paths": {
            "type": "array",
            "items": {"type": "string"},
            "description": "files or folders (searched recursively for PDF, HTML and .txt) inside the server's index_root, absolute or relative to it"
          },
          "urls": {
            "type": "array",
            "items": {"type": "string"},
            "description": "absolute http(s) URLs; fetched by a worker through the SSRF guard"
          }
        },
        "additionalProperties": false,
        "description": "at least one path or URL; at most 10,000 items after folders are expanded"
      },
      "IndexJob": {
        "type": "object",
        "properties": {
          "id": {"type": "string"},
          "status": {"type": "string", "enum": ["queued", "running", "completed", "canceled"]},
          "total": {"type": "integer", "description": "files and URLs in the job"},
          "counts": {
            "type": "object",
            "description": "items per stage",
            "additionalProperties": {"type": "integer"},
            "propertyNames": {
              "enum": [
                "pending",
                "queued",
                "parsing",
                "chunking",
                "embedding",
                "indexed",
                "unchanged",
                "failed",
                "needs_ocr",
                "canceled",
                "removed"
              ]
            }
          },
          "pages": {"type": "integer", "description": "pages of the documents this job indexed"},
          "chunks": {"type": "integer"},
          "documents_per_second": {"type": "number"},
          "pages_per_second": {"type": "number"},
          "eta_seconds": {"type": "number"},
          "failures": {
            "type": "array",
            "description": "left out of lists",
            "items": {
              "type": "object",
              "properties": {"source": {"type": "string"}, "document_id": {"type": "string"}, "reason": {"type": "string"}},
              "additionalProperties": false,
              "required": ["source", "reason"]
            }
          },
          "created_at": {"type": "string", "format": "date-time"},
          "started_at": {"type": "string", "format": "date-time"},
          "finished_at": {"type": "string", "format": "date-time"},
          "status_url": {"type": "string"}
        },
        "additionalProperties": false,
        "required": ["id", "status", "total", "counts", "pages", "chunks", "created_at", "status_url"]
      },
      "IndexJobList": {
        "type": "object",
        "properties": {
          "index_jobs": {"type": "array", "items": {"$ref": "#/components/schemas/IndexJob"}},
          "limit": {"type": "integer"},
          "offset": {"type": "integer"}
        },
        "additionalProperties": false,
        "required": ["index_jobs", "limit", "offset"]
      },
      "QueryRequest": {
        "type": "object",
        "properties": {
          "query": {
            "type": "string",
            "minLength": 1,
            "maxLength": 2000,
            "description": "at most 2,000 code points; whitespace alone is refused (422)"
          },
          "top_k": {"type": "integer", "minimum": 1, "maximum": 100, "default": 5},
          "mode": {"type": "string", "enum": ["hybrid", "dense", "sparse"], "default": "hybrid"},
          "answer": {
            "type": "string",
            "enum": ["extractive", "llm", "none"],
            "default": "extractive",
            "description": "llm needs llm_url configured (else 422)"
          },
          "document_ids": {
            "type": "array",
            "items": {"type": "string"},
            "maxItems": 1000,
            "description": "only these documents; an id the tenant does not have is refused (422)"
          },
          "filters": {
            "type": "object",
            "maxProperties": 32,
            "propertyNames": {"maxLength": 128},
            "additionalProperties": {"type": "string", "maxLength": 1024},
            "description": "document metadata equality"
          },
          "stream": {
            "type": "boolean",
            "default": false,
            "description": "server-sent events: retrieved, answer (pieces), then done or error"
          }
        },
        "additionalProperties": false,
        "required": ["query"]
      },
      "Box": {
        "type": "object",
        "properties": {
          "page": {"type": "integer"},
          "x0": {"type": "number"},
          "y0": {"type": "number"},
          "x1": {"type": "number"},
          "y1": {"type": "number"}
        },
        "additionalProperties": false,
        "required": ["page", "x0", "y0", "x1", "y1"],
        "description": "PDF points, origin at the top left"
      },
      "Citation": {
        "type": "object",
        "properties": {
          "number": {"type": "integer"},
          "document_id": {"type": "string"},
          "title": {"type": "string"},
          "source": {"type": "string"},
          "page": {"type": "integer"},
          "char_start": {"type": "integer", "description": "offset into the page's text in code points"},
          "char_end": {"type": "integer", "description": "end, exclusive"},
          "snippet": {"type": "string", "description": "query terms marked <mark>…</mark>"},
          "score": {"type": "number"},
          "boxes": {"type": "array", "items": {"$ref": "#/components/schemas/Box"}}
        },
        "additionalProperties": false,
        "required": ["number", "document_id", "source", "page", "char_start", "char_end", "snippet", "score", "boxes"]
      },
      "Hit": {
        "type": "object",
        "properties": {
          "chunk_id": {"type": "string"},
          "document_id": {"type": "string"},
          "title": {"type": "string"},
          "score": {"type": "number"},
          "text": {"type": "string"},
          "heading_path": {"type": "array", "items": {"type": "string"}},
          "page_start": {"type": "integer"},
          "page_end": {"type": "integer"}
        },
        "additionalProperties": false,
        "required": ["chunk_id", "document_id", "score", "text", "heading_path", "page_start", "page_end"]
      },
      "QueryResponse": {
        "type": "object",
        "properties": {
          "query": {"type": "string", "description": "as searched: whitespace collapsed"},
          "answer": {
            "type": "object",
            "properties": {
              "text": {"type": "string", "description": "with [n] markers naming citations"},
              "found": {"type": "boolean"}
            },
            "additionalProperties": false,
            "required": ["text", "found"],
            "description": "absent with answer none"
          },
          "citations": {"type": "array", "items": {"$ref": "#/components/schemas/Citation"}},
          "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
          "timings": {
            "type": "object",
            "additionalProperties": {"type": "number"},
            "description": "milliseconds per stage and total"
          },
          "cached": {"type": "boolean"}
        },
        "additionalProperties": false,
        "required": ["query", "citations", "hits", "timings", "cached"]
      },
      "Me": {
        "type": "object",
        "properties": {
          "sub": {"type": "string"},
          "tenant": {"type": "string"},
          "roles": {"type": "array", "items": {"type": "string"}}
        },
        "additionalProperties": false,
        "required": ["sub", "tenant", "roles"]
      },
      "TokenRequest": {
        "type": "object",
        "properties": {
          "sub": {
            "type": "string",
            "minLength": 1,
            "maxLength": 256,
            "pattern": "\\S",
            "description": "who the token is for, 1 to 256 characters"
          },
          "role": {"type": "string", "enum": ["viewer", "editor", "admin"]},
          "ttl_seconds": {
            "type": "integer",
            "minimum": 1,
            "maximum": 2592000,
            "default": 3600,
            "description": "seconds, at most 30 days"
          }
        },
        "additionalProperties": false,
        "required": ["sub", "role"]
      },
      "TokenResponse": {
        "type": "object",
        "properties": {"token": {"type": "string"}, "tenant": {"type": "string"}, "expires_in": {"type": "integer"}},
        "additionalProperties": false,
        "required": ["token", "tenant", "expires_in"]
      },
      "Health": {
        "type": "object",
        "properties": {"status": {"type": "string", "enum": ["ok"]}},
        "additionalProperties": false,
        "required": ["status"]
      },
      "Ready": {
        "type": "object",
        "properties": {
          "status": {"type": "string", "enum": ["ready", "not_ready"]},
          "backends": {
            "type": "object",
            "additionalProperties": {
              "type": "object",
              "properties": {"kind": {"type": "string"}, "ready": {"type": "boolean"}, "detail": {"type": "string"}},
              "additionalProperties": false,
              "required": ["kind", "ready", "detail"]
            }
          }
        },
        "additionalProperties": false,
        "required": ["status", "backends"]
      },
      "EmbeddingsRequest": {
        "type": "object",
        "required": ["input"],
        "description": "OpenAI's; fields it adds (user, …) are ignored",
        "properties": {
          "input": {
            "oneOf": [
              {"type": "string", "minLength": 1},
              {"type": "array", "minItems": 1, "maxItems": 2048, "items": {"type": "string", "minLength": 1}}
            ]
          },
          "model": {"type": ["string", "null"]},
          "encoding_format": {"type": ["string", "null"], "enum": ["float", "base64", null]},
          "dimensions": {"type": ["integer", "null"]}
        }
      },
      "EmbeddingsResponse": {
        "type": "object",
        "properties": {
          "object": {"type": "string"},
          "model": {"type": "string"},
          "data": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "object": {"type": "string"},
                "index": {"type": "integer"},
                "embedding": {"oneOf": [{"type": "array", "items": {"type": "number"}}, {"type": "string"}]}
              },
              "additionalProperties": false,
              "required": ["object", "index", "embedding"]
            }
          },
          "usage": {
            "type": "object",
            "properties": {"prompt_tokens": {"type": "integer"}, "total_tokens": {"type": "integer"}},
            "additionalProperties": false,
            "required": ["prompt_tokens", "total_tokens"]
          }
        },
        "additionalProperties": false,
        "required": ["object", "model", "data", "usage"]
      },
      "OpenAIError": {
        "type": "object",
        "description": "an error on the OpenAI-compatible /v1 routes: OpenAI's shape (message, type, param, code), with Quarry's field beside it",
        "properties": {
          "error": {
            "type": "object",
            "properties": {
              "message": {"type": "string"},
              "type": {"type": "string", "description": "invalid_request_error, authentication_error, permission_error, not_found_error, rate_limit_error or server_error, by status"},
              "param": {"type": ["string", "null"], "description": "the top-level request field at fault (messages, model)"},
              "code": {"type": "string", "description": "the word of the Error body: bad_request, model_not_found, backend_unavailable, …"},
              "field": {"type": ["string", "null"], "description": "the field at fault as a JSON pointer, as in the Error body"}
            },
            "additionalProperties": false,
            "required": ["message", "type", "param", "code", "field"]
          }
        },
        "additionalProperties": false,
        "required": ["error"]
      },
      "JSONRPCError": {
        "type": "object",
        "description": "the MCP transport's refusal of a message it cannot take",
        "properties": {
          "jsonrpc": {"type": "string"},
          "id": {"type": "null"},
          "error": {"type": "object", "properties": {"code": {"type": "integer"}, "message": {"type": "string"}}, "required": ["code", "message"]}
        },
        "required": ["jsonrpc", "error"]
      },
      "ChatCompletionRequest": {
        "type": "object",
        "required": ["model", "messages"],
        "description": "OpenAI's; the last message with role user is the question. OpenAI's other fields (temperature, max_tokens, user, …) are accepted and ignored.",
        "properties": {
          "model": {"type": "string", "description": "quarry (the language model of llm_url when configured, else extractive) or quarry-extractive; another is 404"},
          "messages": {
            "type": "array",
            "minItems": 1,
            "description": "one message at least must have role user (else 400)",
            "items": {
              "type": "object",
              "required": ["role"],
              "properties": {
                "role": {"type": "string"},
                "content": {
                  "oneOf": [
                    {"type": "string"},
                    {"type": "null"},
                    {"type": "array", "items": {"type": "object", "required": ["type"], "properties": {"type": {"type": "string"}, "text": {"type": "string"}}}}
                  ],
                  "description": "a string, or content parts whose text parts are read"
                }
              }
            }
          },
          "stream": {"type": ["boolean", "null"], "default": false},
          "n": {"type": ["integer", "null"], "minimum": 1, "maximum": 1},
          "top_k": {"type": "integer", "minimum": 1, "maximum": 100, "default": 5},
          "mode": {"type": "string", "enum": ["hybrid", "dense", "sparse"], "default": "hybrid"},
          "document_ids": {"type": "array", "items": {"type": "string"}, "maxItems": 1000},
          "filters": {
            "type": "object",
            "maxProperties": 32,
            "propertyNames": {"maxLength": 128},
            "additionalProperties": {"type": "string", "maxLength": 1024}
          }
        }
      },
      "ChatCompletion": {
        "type": "object",
        "properties": {
          "id": {"type": "string"},
          "object": {"type": "string", "enum": ["chat.completion"]},
          "created": {"type": "integer"},
          "model": {"type": "string"},
          "choices": {
            "type": "array",
            "minItems": 1,
            "maxItems": 1,
            "items": {
              "type": "object",
              "properties": {
                "index": {"type": "integer"},
                "message": {
                  "type": "object",
                  "properties": {"role": {"type": "string", "enum": ["assistant"]}, "content": {"type": "string"}},
                  "additionalProperties": false,
                  "required": ["role", "content"]
                },
                "finish_reason": {"type": "string"}
              },
              "additionalProperties": false,
              "required": ["index", "message", "finish_reason"]
            }
          },
          "citations": {"type": "array", "items": {"$ref": "#/components/schemas/Citation"}, "description": "Quarry's: where the answer's [n] point"}
        },
        "additionalProperties": false,
        "required": ["id", "object", "created", "model", "choices", "citations"]
      },
      "ModelList": {
        "type": "object",
        "properties": {
          "object": {"type": "string", "enum": ["list"]},
          "data": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {"id": {"type": "string"}, "object": {"type": "string"}, "created": {"type": "integer"}, "owned_by": {"type": "string"}},
              "additionalProperties": false,
              "required": ["id", "object", "created", "owned_by"]
            }
          }
        },
        "additionalProperties": false,
        "required": ["object", "data"]
      },
      "WorkflowNode": {
        "type": "object",
        "properties": {
          "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$", "description": "templates name the node by it: {{ nodes.<id>.… }}"},
          "type": {"type": "string", "description": "a node type of GET /api/v1/node-types"},
          "config": {"type": "object", "description": "checked against the type's config_schema; strings may hold {{ templates }}, checked once filled"},
          "retry": {
            "type": "object",
            "properties": {
              "max_attempts": {"type": "integer", "minimum": 1, "maximum": 1000, "description": "attempts in all, the first included"},
              "backoff_seconds": {"type": "number", "minimum": 0, "maximum": 86400, "description": "wait before the second attempt, doubling after each (default 1)"},
              "max_backoff_seconds": {"type": "number", "minimum": 0, "maximum": 86400, "description": "the longest wait (default 300)"}
            },
            "additionalProperties": false,
            "required": ["max_attempts"]
          },
          "timeout_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 3600},
          "continue_on_error": {"type": "boolean", "description": "a failure (retries spent) does not fail the run"},
          "join": {"type": "string", "enum": ["all", "any", "all_settled"], "description": "how the node waits for several predecessors (default all)"}
        },
        "additionalProperties": false,
        "required": ["id", "type", "config"]
      },
      "WorkflowEdge": {
        "type": "object",
        "properties": {
          "from": {"type": "string"},
          "to": {"type": "string"},
          "branch": {"type": "string", "description": "only out of a condition: the edge is taken when the condition chose this branch"}
        },
        "additionalProperties": false,
        "required": ["from", "to"]
      },
      "EvalMetrics": {
        "type": "object",
        "properties": {"ndcg_at_10": {"type": "number"}, "recall_at_100": {"type": "number"}, "mrr_at_10": {"type": "number"}, "map": {"type": "number"}, "queries": {"type": "integer"}},
        "additionalProperties": false,
        "required": ["ndcg_at_10", "recall_at_100", "mrr_at_10", "map", "queries"]
      },
      "EvalRun": {
        "type": "object",
        "properties": {
          "name": {"type": "string", "description": "the record's file stem, DATASET-MODE"},
          "dataset": {"type": "string"},
          "mode": {"type": "string"},
          "written_at": {"type": "string", "format": "date-time"},
          "vector_store": {"type": "string"},
          "metrics": {"$ref": "#/components/schemas/EvalMetrics"},
          "documents": {"type": "integer"},
          "chunks": {"type": "integer"},
          "index_seconds": {"type": "number"},
          "query_seconds": {"type": "number"},
          "queries": {
            "type": "array",
            "description": "one run read alone: each judged query",
            "items": {
              "type": "object",
              "properties": {
                "id": {"type": "string"},
                "text": {"type": "string"},
                "ndcg_at_10": {"type": "number"},
                "recall_at_100": {"type": "number"},
                "mrr_at_10": {"type": "number"},
                "average_precision": {"type": "number"},
                "relevant": {"type": "array", "items": {"type": "string"}},
                "top": {"type": "array", "items": {"type": "object", "properties": {"document": {"type": "string"}, "score": {"type": "number"}, "grade": {"type": "integer"}}}}
              }
            }
          }
        },
        "required": ["name", "dataset", "mode", "written_at", "vector_store", "metrics", "documents", "chunks", "index_seconds", "query_seconds"]
      },
      "EvalRunList": {
        "type": "object",
        "properties": {"runs": {"type": "array", "items": {"$ref": "#/components/schemas/EvalRun"}}},
        "required": ["runs"]
      },
      "NewAPIKey": {
        "type": "object",
        "properties": {
          "name": {"type": "string", "minLength": 1, "maxLength": 200},
          "role": {"type": "string", "enum": ["viewer", "editor", "admin"]},
          "ttl_days": {"type": "integer", "minimum": 1, "maximum": 3650, "description": "left out: until revoked"}
        },
        "additionalProperties": false,
        "required": ["name", "role"]
      },
      "APIKey": {
        "type": "object",
        "properties": {
          "id": {"type": "string"},
          "name": {"type": "string"},
          "role": {"type": "string"},
          "created_at": {"type": "string", "format": "date-time"},
          "expires_at": {"type": ["string", "null"], "format": "date-time"},
          "key": {"type": ["string", "null"], "description": "qk_<id>_<secret>: in the answer that made the key only"}
        },
        "required": ["id", "name", "role", "created_at"]
      },
      "APIKeyList": {
        "type": "object",
        "properties": {"api_keys": {"type": "array", "items": {"$ref": "#/components/schemas/APIKey"}}, "limit": {"type": "integer"}, "offset": {"type": "integer"}},
        "required": ["api_keys", "limit", "offset"]
      },
      "TokenExchange": {
        "type": "object",
        "properties": {"api_key": {"type": "string"}},
        "additionalProperties": false,
        "required": ["api_key"]
      },
      "ExchangedToken": {
        "type": "object",
        "properties": {"token": {"type": "string"}, "tenant": {"type": "string"}, "role": {"type": "string"}, "expires_in": {"type": "integer"}, "token_type": {"type": "string"}},
        "required": ["token", "tenant", "role", "expires_in", "token_type"]
      },
      "NodePosition": {
        "type": "object",
        "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
        "additionalProperties": false,
        "required": ["x", "y"]
      },
      "WorkflowRequest": {
        "type": "object",
        "description": "A workflow to create (POST) or a new version (PUT). An exported Workflow body is accepted as it is: version, created_at and updated_at are then read-only, except that version in a PUT body must be the current version (409 version_conflict otherwise).",
        "properties": {
          "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,100}$", "description": "chosen by the server when left out (POST); the path's id (PUT)"},
          "name": {"type": "string", "minLength": 1, "maxLength": 200},
          "nodes": {"type": "array", "minItems": 1, "maxItems": 500, "items": {"$ref": "#/components/schemas/WorkflowNode"}},
          "edges": {"type": "array", "items": {"$ref": "#/components/schemas/WorkflowEdge"}},
          "schedule": {"type": ["string", "null"], "description": "a cron expression (UTC) for the scheduler; null: runs only when asked"},
          "layout": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/NodePosition"}, "description": "where the builder UI draws each node, by node id; kept with the version, never read by a run"},
          "version": {"type": "integer"},
          "created_at": {"type": "string", "format": "date-time"},
          "updated_at": {"type": "string", "format": "date-time"}
        },
        "additionalProperties": false,
        "required": ["name", "nodes"]
      },
      "Workflow": {
        "type": "object",
        "properties": {
          "id": {"type": "string"},
          "name": {"type": "string"},
          "nodes": {"type": "array", "items": {"$ref": "#/components/schemas/WorkflowNode"}},
          "edges": {"type": "array", "items": {"$ref": "#/components/schemas/WorkflowEdge"}},
          "schedule": {"type": ["string", "null"]},
          "layout": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/NodePosition"}, "description": "where the builder UI draws each node, by node id; kept with the version, never read by a run"},
          "version": {"type": "integer", "description": "1 when created, one more with every change"},
          "created_at": {"type": "string", "format": "date-time"},
          "updated_at": {"type": "string", "format": "date-time"}
        },
        "additionalProperties": false,
        "required": ["id", "name", "nodes", "edges", "schedule", "version", "created_at", "updated_at"]
      },
      "NewCredential": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "type": {"type": "string", "description": "one of GET /api/v1/credential-types"},
          "name": {"type": "string", "minLength": 1, "maxLength": 200},
          "fields": {"type": "object", "additionalProperties": {"type": "string"}, "description": "the type's fields; secret ones are sealed at rest and never shown again"}
        },
        "required": ["type", "name", "fields"]
      },
      "Credential": {
        "type": "object",
        "properties": {
          "id": {"type": "string"},
          "type": {"type": "string"},
          "name": {"type": "string"},
          "fields": {"type": "object", "additionalProperties": {"type": "string"}, "description": "the fields that are not secret"},
          "secret_fields": {"type": "array", "items": {"type": "string"}, "description": "the secret fields that are set; their values are never returned"},
          "created_at": {"type": "string", "format": "date-time"},
          "updated_at": {"type": "string", "format": "date-time"}
        },
        "required": ["id", "type", "name", "fields", "secret_fields", "created_at", "updated_at"]
      },
      "ActionTest": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "config": {"type": "object", "description": "the config of one node of the type, as GET /api/v1/node-types describes it, its credential named by id; no templates"}
        },
        "required": ["config"]
      },
      "ActionTestAnswer": {
        "type": "object",
        "properties": {
          "type": {"type": "string"},
          "output": {"description": "the node's output: what the provider answered"},
          "log": {"type": "array", "items": {"type": "string"}}
        },
        "required": ["type", "output", "log"]
      },
      "CredentialList": {
        "type": "object",
        "properties": {
          "credentials": {"type": "array", "items": {"$ref": "#/components/schemas/Credential"}},
          "limit": {"type": "integer"},
          "offset": {"type": "integer"}
        },
        "required": ["credentials", "limit", "offset"]
      },
      "CredentialTypeList": {
        "type": "object",
        "properties": {
          "types": {"type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "description": {"type": "string"},
            "fields": {"type": "array", "items": {"type": "object", "properties": {
              "name": {"type": "string"}, "secret": {"type": "boolean"}, "required": {"type": "boolean"}, "description": {"type": "string"}},
              "required": ["name", "secret", "required", "description"]}},
            "one_of": {"type": "array", "items": {"type": "string"}, "description": "fields of which a credential needs at least one"},
            "together": {"type": "array", "items": {"type": "string"}, "description": "fields that come together or not at all"}},
            "required": ["name", "description", "fields", "one_of", "together"]}}
        },
        "required": ["types"]
      },
      "WorkflowList": {
        "type": "object",
        "properties": {
          "workflows": {"type": "array", "items": {"$ref": "#/components/schemas/Workflow"}},
          "limit": {"type": "integer"},
          "offset": {"type": "integer"}
        },
        "additionalProperties": false,
        "required": ["workflows", "limit", "offset"]
      },
      "WorkflowVersionList": {
        "type": "object",
        "properties": {
          "versions": {"type": "array", "items": {"$ref": "#/components/schemas/Workflow"}, "description": "newest first"},
          "limit": {"type": "integer"},
          "offset": {"type": "integer"}
        },
        "additionalProperties": false,
        "required": ["versions", "limit", "offset"]
      },
      "RunRequest": {
        "type": "object",
        "properties": {"inputs": {"type": "object", "description": "the trigger's output: {{ trigger.… }} in templates"}},
        "additionalProperties": false
      },
      "Hook": {
        "type": "object",
        "properties": {"url": {"type": "string", "description": "the path to POST to, secret included; told once"}},
        "additionalProperties": false,
        "required": ["url"]
      },
      "HookRun": {
        "type": "object",
        "properties": {"run_id": {"type": "string"}, "status": {"type": "string", "enum": ["queued", "running", "succeeded", "failed", "canceled"]}},
        "additionalProperties": false,
        "required": ["run_id", "status"]
      },
      "RerunRequest": {
        "type": "object",
        "properties": {
          "from": {"type": "string", "enum": ["failed", "start"], "default": "failed", "description": "failed: nodes that succeeded keep their outputs; start: every node runs"},
          "version": {"type": "string", "enum": ["pinned", "latest"], "default": "pinned", "description": "pinned: the version the run ran; latest: the current version (changed nodes run again)"}
        },
        "additionalProperties": false
      },
      "DecisionRequest": {
        "type": "object",
        "properties": {"comment": {"type": "string", "maxLength": 2000, "description": "kept in the node's output and the run's log"}},
        "additionalProperties": false
      },
      "NodeOutput": {
        "type": "object",
        "properties": {"node": {"type": "string"}, "output": {"description": "what the node produced (its type's output_schema)"}},
        "additionalProperties": false,
        "required": ["node", "output"]
      },
      "NodeState": {
        "type": "object",
        "properties": {
          "id": {"type": "string"},
          "type": {"type": "string"},
          "status": {"type": "string", "enum": ["waiting", "queued", "running", "awaiting", "succeeded", "failed", "skipped", "canceled"]},
          "attempt": {"type": "integer", "description": "the attempt queued or running now, or the last; 0 before the node was queued"},
          "started_at": {"type": "string", "format": "date-time"},
          "finished_at": {"type": "string", "format": "date-time"},
          "duration_ms": {"type": "number", "description": "from the first attempt's start to the end"},
          "error": {"type": "string"},
          "output": {"description": "what the node produced (its type's output_schema)"},
          "branch": {"type": "string", "description": "the branch a condition chose"},
          "reused": {"type": "boolean", "description": "true: a rerun kept this node's output from the run before; it did not run"},
          "child_run": {"type": "string", "description": "the run a sub_workflow node started and waits for (its last attempt's)"},
          "output_ref": {"type": "object", "description": "an output over 256 KB, kept apart from the run (output is then absent)",
                         "properties": {"bytes": {"type": "integer"}, "url": {"type": "string", "description": "GET it for the output"}},
                         "additionalProperties": false, "required": ["bytes", "url"]}
        },
        "additionalProperties": false,
        "required": ["id", "status", "attempt"]
      },
      "Run": {
        "type": "object",
        "properties": {
          "id": {"type": "string"},
          "workflow_id": {"type": "string"},
          "workflow_version": {"type": "integer", "description": "the version the run pinned when it started"},
          "status": {"type": "string", "enum": ["queued", "running", "succeeded", "failed", "canceled"]},
          "error": {"type": "string"},
          "rerun_of": {"type": "string", "description": "the run this one reruns"},
          "parent_run": {"type": "string", "description": "the run whose sub_workflow node started this one"},
          "parent_node": {"type": "string", "description": "that sub_workflow node's id"},
          "inputs": {"type": "object", "description": "left out of lists"},
          "nodes": {"type": "array", "items": {"$ref": "#/components/schemas/NodeState"}, "description": "in the workflow's order; left out of lists"},
          "created_at": {"type": "string", "format": "date-time"},
          "scheduled_for": {"type": "string", "format": "date-time"},
          "started_at": {"type": "string", "format": "date-time"},
          "finished_at": {"type": "string", "format": "date-time"},
          "duration_ms": {"type": "number"},
          "status_url": {"type": "string"},
          "logs_url": {"type": "string"}
        },
        "additionalProperties": false,
        "required": ["id", "workflow_id", "workflow_version", "status", "created_at", "status_url", "logs_url"]
      },
      "RunList": {
        "type": "object",
        "properties": {
          "runs": {"type": "array", "items": {"$ref": "#/components/schemas/Run"}},
          "limit": {"type": "integer"},
          "offset": {"type": "integer"}
        },
        "additionalProperties": false,
        "required": ["runs", "limit", "offset"]
      },
      "RunLogList": {
        "type": "object",
        "properties": {
          "logs": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "id": {"type": "string", "description": "the cursor: ?after=<id> reads on from this line"},
                "node": {"type": "string"},
                "time": {"type": "string", "format": "date-time"},
                "level": {"type": "string", "enum": ["debug", "info", "warning", "error"]},
                "message": {"type": "string"},
                "data": {}
              },
              "additionalProperties": false,
              "required": ["id", "time", "level", "message"]
            }
          },
          "next_after": {"type": "string", "description": "the after of the next page (absent before the first line)"}
        },
        "additionalProperties": false,
        "required": ["logs"]
      },
      "NodeTypeList": {
        "type": "object",
        "properties": {
          "node_types": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "name": {"type": "string"},
                "queue": {"type": "string"},
                "summary": {"type": "string"},
                "config_schema": {"type": "object"},
                "output_schema": {"type": "object"}
              },
              "additionalProperties": false,
              "required": ["name", "queue", "summary", "config_schema", "output_schema"]
            }
          }
        },
        "additionalProperties": false,
        "required": ["node_types"]
      }
    },
    "responses": {
      "Error": {
        "description": "what went wrong, for a person",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "Unavailable": {
        "description": "a back end or a remote model is down: ask again after Retry-After seconds",
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "OpenAIError": {
        "description": "what went wrong, in OpenAI's shape",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OpenAIError"}}}
      },
      "OpenAIUnavailable": {
        "description": "a back end or a remote model is down: ask again after Retry-After seconds",
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OpenAIError"}}}
      }
    }
  },
  "security": [{"bearer": []}],
  "paths": {
    "/health": {
      "get": {
        "summary": "Liveness",
        "responses": {
          "200": {
            "description": "the process answers",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}
          }
        },
        "security": []
      }
    },
    "/ready": {
      "get": {
        "summary": "Readiness of every back end",
        "responses": {
          "200": {"description": "ready", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ready"}}}},
          "503": {
            "description": "a back end is down",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ready"}}}
          }
        },
        "security": []
      }
    },
    "/metrics": {
      "get": {
        "summary": "Prometheus metrics",
        "responses": {"200": {"description": "Prometheus text", "content": {"text/plain": {"schema": {"type": "string"}}}}},
        "security": []
      }
    },
    "/api/v1/openapi.json": {
      "get": {
        "summary": "This document",
        "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}},
        "security": []
      }
    },
    "/api/v1/me": {
      "get": {
        "summary": "Who the token says you are",
        "responses": {
          "200": {"description": "the caller", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Me"}}}},
          "401": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/v1/tokens": {
      "post": {
        "summary": "Mint a token for your tenant (admin)",
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TokenRequest"}}}
        },
        "responses": {
          "201": {
            "description": "the token",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TokenResponse"}}}
          },
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"},
          "422": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/v1/documents": {
      "post": {
        "summary": "Upload a document, or have Quarry fetch one by URL (editor)",
        "description": "A file as multipart/form-data (part `file`; PDF, HTML or .txt, at most max_upload_mb), or JSON {\"url\"} fetched through the SSRF guard. 415: another format; 422 url_refused: a private or non-http(s) target; 502 fetch_failed: the URL gave no document.",
        "requestBody": {
          "required": true,
          "content": {
            "multipart/form-data": {
              "schema": {"type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}
            },
            "application/json": {"schema": {"$ref": "#/components/schemas/URLSubmission"}}
          }
        },
        "responses": {
          "202": {
            "description": "stored and queued for indexing",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Document"}}},
            "headers": {"Location": {"schema": {"type": "string"}, "description": "the status URL"}}
          },
          "200": {
            "description": "these bytes are already there",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Document"}}},
            "headers": {"Location": {"schema": {"type": "string"}, "description": "the status URL"}}
          },
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"},
          "415": {"$ref": "#/components/responses/Error"},
          "422": {"$ref": "#/components/responses/Error"},
          "502": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      },
      "get": {
        "summary": "List documents, newest first",
        "parameters": [
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}},
          {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}}
        ],
        "responses": {
          "200": {
            "description": "a page of documents",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DocumentList"}}}
          },
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/api/v1/documents/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "get": {
        "summary": "A document, its status and progress",
        "responses": {
          "200": {
            "description": "the document",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Document"}}}
          },
          "401": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      },
      "delete": {
        "summary": "Remove a document with its chunks and vectors (editor)",
        "responses": {
          "204": {"description": "removed"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/api/v1/documents/{id}/content": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "get": {
        "summary": "The document's bytes as uploaded or fetched (the web UI's viewer reads PDFs from here)",
        "description": "Served with the document's media type, `Content-Security-Policy: sandbox` and `X-Content-Type-Options: nosniff`.",
        "responses": {
          "200": {
            "description": "the bytes",
            "content": {
              "application/pdf": {"schema": {"type": "string", "format": "binary"}},
              "text/html": {"schema": {"type": "string"}},
              "text/plain": {"schema": {"type": "string"}}
            }
          },
          "401": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/api/v1/eval/runs": {
      "get": {
        "summary": "The quarry eval runs kept in eval_dir, newest first, with their metrics (admin)",
        "responses": {
          "200": {"description": "the runs, without their queries", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EvalRunList"}}}},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/v1/eval/runs/{name}": {
      "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
      "get": {
        "summary": "One quarry eval run with each query's metrics and its ten best passages (admin)",
        "responses": {
          "200": {"description": "the run", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EvalRun"}}}},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/v1/api-keys": {
      "post": {
        "summary": "Make an API key for this tenant (admin); the key is in this answer only",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewAPIKey"}}}},
        "responses": {
          "201": {"description": "the key, with `key` shown this once", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/APIKey"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "422": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      },
      "get": {
        "summary": "The tenant's API keys, newest first, never their secrets (admin)",
        "parameters": [
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
          {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}}
        ],
        "responses": {
          "200": {"description": "the keys", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/APIKeyList"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/api/v1/api-keys/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "delete": {
        "summary": "Revoke an API key (admin): it is refused at once; tokens it gave live out their hour",
        "responses": {
          "204": {"description": "revoked"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/api/v1/auth/token": {
      "post": {
        "summary": "Exchange an API key for a token of its tenant and role, valid for an hour at most (no token needed: the key is the credential)",
        "security": [],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TokenExchange"}}}},
        "responses": {
          "200": {"description": "the token", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ExchangedToken"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/api/v1/index-jobs": {
      "post": {
        "summary": "Index many files and URLs at once (editor); workers read and index them",
        "description": "403 paths_disabled (no index_root) or path_refused (outside it), 404 path_not_found, 413 too_many_items, 422 for a folder with no documents or a URL that is not absolute http(s); field points at the entry.",
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IndexJobRequest"}}}
        },
        "responses": {
          "202": {
            "description": "created; follow the Location",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IndexJob"}}},
            "headers": {"Location": {"schema": {"type": "string"}, "description": "the status URL"}}
          },
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"},
          "422": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      },
      "get": {
        "summary": "List index jobs, newest first",
        "parameters": [
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
          {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}}
        ],
        "responses": {
          "200": {
            "description": "a page of jobs",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IndexJobList"}}}
          },
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/api/v1/index-jobs/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "get": {
        "summary": "An index job: counts per stage, failures with reasons, rate and ETA",
        "responses": {
          "200": {
            "description": "the job",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IndexJob"}}}
          },
          "401": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/api/v1/index-jobs/{id}/cancel": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "post": {
        "summary": "Cancel an index job (editor): items not begun are skipped, documents being worked on finish",
        "responses": {
          "200": {
            "description": "canceled",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IndexJob"}}}
          },
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"},
          "409": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/api/v1/rag/query": {
      "post": {
        "summary": "Answer a question with citations",
        "description": "400: the body does not read; 422: it reads but cannot be answered (empty or too long query, top_k out of range, unknown or more than 1,000 document_ids, more than 32 filters or one too long, answer llm without a model); 503 llm_unavailable: the chat model failed (streamed: an error event).",
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/QueryRequest"}}}
        },
        "responses": {
          "200": {
            "description": "answer, citations, hits, timings",
            "content": {
              "application/json": {"schema": {"$ref": "#/components/schemas/QueryResponse"}},
              "text/event-stream": {
                "schema": {
                  "type": "object",
                  "required": ["event", "data"],
                  "properties": {
                    "event": {"type": "string", "enum": ["retrieved", "answer", "done", "error"]},
                    "data": {
                      "type": "string",
                      "description": "JSON: retrieved {citations, hits}; answer {text}, a piece of the answer; done, the whole QueryResponse; error, the Error body"
                    }
                  },
                  "description": "with stream true: retrieved, answer (zero or more), then done or error"
                }
              }
            }
          },
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"},
          "422": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/v1/embeddings": {
      "post": {
        "summary": "OpenAI-compatible embeddings",
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EmbeddingsRequest"}}}
        },
        "responses": {
          "200": {
            "description": "vectors",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EmbeddingsResponse"}}}
          },
          "400": {"$ref": "#/components/responses/OpenAIError"},
          "401": {"$ref": "#/components/responses/OpenAIError"},
          "404": {"$ref": "#/components/responses/OpenAIError"},
          "413": {"$ref": "#/components/responses/OpenAIError"},
          "503": {"$ref": "#/components/responses/OpenAIUnavailable"}
        }
      }
    },
    "/mcp": {
      "post": {
        "summary": "The MCP server (streamable HTTP, stateless): one JSON-RPC message in, its reply as JSON",
        "description": "Tools search, ask, list_documents, get_document_text and index_url (editors), and a resource per document page, quarry://documents/{id}/pages/{n}, all within the token's tenant. Send Accept: application/json and Content-Type: application/json. A notification or response is answered 202. A failure of a tool is a result with isError; bad arguments are the JSON-RPC error invalid params (-32602) naming the argument.",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"description": "a JSON-RPC 2.0 message of the Model Context Protocol"}}}},
        "responses": {
          "200": {"description": "the JSON-RPC reply", "content": {"application/json": {"schema": {"type": "object"}}}},
          "202": {"description": "a notification or a response, taken"},
          "400": {"description": "not a JSON-RPC message, or an unsupported MCP-Protocol-Version", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JSONRPCError"}}}},
          "401": {"$ref": "#/components/responses/Error"},
          "406": {"description": "Accept lacks application/json", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JSONRPCError"}}}},
          "413": {"$ref": "#/components/responses/Error"},
          "415": {"description": "Content-Type is not application/json", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JSONRPCError"}}}}
        }
      },
      "get": {
        "summary": "No server-sent stream: this MCP server is stateless",
        "responses": {
          "401": {"$ref": "#/components/responses/Error"},
          "405": {"description": "use POST", "headers": {"Allow": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JSONRPCError"}}}}
        }
      },
      "delete": {
        "summary": "No session to end: this MCP server is stateless",
        "responses": {
          "401": {"$ref": "#/components/responses/Error"},
          "405": {"description": "use POST", "headers": {"Allow": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JSONRPCError"}}}}
        }
      }
    },
    "/v1/chat/completions": {
      "post": {
        "summary": "OpenAI-compatible chat completions, answered from the caller's documents",
        "description": "The last user message is the question, answered as POST /api/v1/rag/query answers it. With stream true: chat.completion.chunk events (the first carries the role and citations, then the answer's text, then finish_reason stop), then data: [DONE]; a failure after the stream opened is a data: {\"error\": …} event.",
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChatCompletionRequest"}}}
        },
        "responses": {
          "200": {
            "description": "the answer as one assistant message, with citations",
            "content": {
              "application/json": {"schema": {"$ref": "#/components/schemas/ChatCompletion"}},
              "text/event-stream": {"schema": {"type": "string", "description": "data: lines of chat.completion.chunk JSON, then data: [DONE]"}}
            }
          },
          "400": {"$ref": "#/components/responses/OpenAIError"},
          "401": {"$ref": "#/components/responses/OpenAIError"},
          "404": {"$ref": "#/components/responses/OpenAIError"},
          "413": {"$ref": "#/components/responses/OpenAIError"},
          "422": {"$ref": "#/components/responses/OpenAIError"},
          "503": {"$ref": "#/components/responses/OpenAIUnavailable"}
        }
      }
    },
    "/v1/models": {
      "get": {
        "summary": "The models served: the chat models and the embedding model",
        "responses": {
          "200": {"description": "the models", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ModelList"}}}},
          "401": {"$ref": "#/components/responses/OpenAIError"}
        }
      }
    },
    "/api/v1/credentials": {
      "post": {
        "summary": "Create a credential for the connectors (editor): secret fields are sealed at rest and never returned",
        "description": "422 names the field: an unknown type (/type), a field the type does not have, a required one missing or empty (/fields/…).",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewCredential"}}}},
        "responses": {
          "201": {"description": "created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Credential"}}}, "headers": {"Location": {"schema": {"type": "string"}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}
        }
      },
      "get": {
        "summary": "List the tenant's credentials, newest first (secret fields by name only)",
        "parameters": [
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
          {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}}
        ],
        "responses": {"200": {"description": "a page of credentials", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CredentialList"}}}}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}}
      }
    },
    "/api/v1/credentials/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "get": {
        "summary": "A credential (secret fields by name only)",
        "responses": {"200": {"description": "the credential", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Credential"}}}}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}}
      },
      "delete": {
        "summary": "Delete a credential (editor)",
        "responses": {"204": {"description": "deleted"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}}
      }
    },
    "/api/v1/actions/{type}/test": {
      "parameters": [{"name": "type", "in": "path", "required": true, "schema": {"type": "string"}, "description": "a node type on the actions queue: slack, email, google_sheets, notion, twilio, http_request"}],
      "post": {
        "summary": "Send one action now (editor) and see the provider's answer: to check a credential before building a workflow",
        "description": "It really sends. 422 names the config field that breaks the type's schema, holds a template, or names a credential that is missing, of another type or unreadable; 404 for a type that is not an action; 502 action_failed with the provider's message (secrets scrubbed) when the provider refused or did not answer.",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionTest"}}}},
        "responses": {
          "200": {"description": "sent", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionTestAnswer"}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}, "502": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/api/v1/credential-types": {
      "get": {
        "summary": "The credential types: each one's fields, which are secret and which required",
        "responses": {"200": {"description": "the types", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CredentialTypeList"}}}}, "401": {"$ref": "#/components/responses/Error"}}
      }
    },
    "/api/v1/workflows": {
      "post": {
        "summary": "Create a workflow (editor), or import an exported one",
        "description": "422 points at the node and field: a cycle, an unknown node type, a config that breaks its type's schema, a branch out of a non-condition; 409 already_exists.",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WorkflowRequest"}}}},
        "responses": {
          "201": {"description": "created, version 1", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Workflow"}}}, "headers": {"Location": {"schema": {"type": "string"}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}
        }
      },
      "get": {
        "summary": "List workflows (current versions), newest first",
        "parameters": [
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
          {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}}
        ],
        "responses": {"200": {"description": "a page of workflows", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WorkflowList"}}}}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}}
      }
    },
    "/api/v1/workflows/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "get": {
        "summary": "A workflow's current version: also its export, which POST takes back as it is",
        "responses": {"200": {"description": "the workflow", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Workflow"}}}}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}}
      },
      "put": {
        "summary": "Save a new version (editor); runs keep the version they started on",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WorkflowRequest"}}}},
        "responses": {"200": {"description": "the new version", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Workflow"}}}}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}}
      },
      "delete": {
        "summary": "Delete a workflow and its versions (editor); its runs stay readable, and those not ended are canceled",
        "responses": {"204": {"description": "deleted"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}}
      }
    },
    "/api/v1/workflows/{id}/versions": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "get": {
        "summary": "Every version of a workflow, newest first",
        "parameters": [
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
          {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}}
        ],
        "responses": {"200": {"description": "a page of versions", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WorkflowVersionList"}}}}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}}
      }
    },
    "/api/v1/workflows/{id}/versions/{version}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "version", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}}],
      "get": {
        "summary": "One version of a workflow",
        "responses": {"200": {"description": "the version", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Workflow"}}}}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}}
      }
    },
    "/api/v1/workflows/{id}/run": {
      "parameters": [
        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "minLength": 1, "maxLength": 200}, "description": "the same key starts one run: later calls answer with it"}
      ],
      "post": {
        "summary": "Start a run of the current version (editor); follow it at the Location",
        "requestBody": {"required": false, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunRequest"}}}},
        "responses": {
          "202": {"description": "queued", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}}, "headers": {"Location": {"schema": {"type": "string"}, "description": "the status URL"}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/api/v1/workflows/{id}/hook": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "post": {
        "summary": "Make the workflow's webhook URL (editor); a new one replaces the old, which stops working",
        "description": "The URL's secret is told only in this answer: Quarry keeps its SHA-256 digest.",
        "responses": {"201": {"description": "the webhook URL", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Hook"}}}}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}}
      },
      "delete": {
        "summary": "Take the workflow's webhook away (editor)",
        "responses": {"204": {"description": "removed"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}}
      }
    },
    "/api/v1/hooks/{workflow}/{secret}": {
      "parameters": [
        {"name": "workflow", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "secret", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "minLength": 1, "maxLength": 200}, "description": "the same key starts one run"}
      ],
      "post": {
        "summary": "Start a run from a webhook: the body is the trigger's output (no token: the secret URL is the credential)",
        "description": "JSON as it is; a form as an object of its fields; text as {text}; an empty body as {}. A wrong secret answers 404, as an unknown workflow does.",
        "security": [],
        "requestBody": {"required": false, "content": {"application/json": {"schema": {}}, "application/x-www-form-urlencoded": {"schema": {"type": "object", "additionalProperties": {"type": "string"}}}, "text/plain": {"schema": {"type": "string"}}}},
        "responses": {
          "202": {"description": "queued", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HookRun"}}}},
          "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"}, "415": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/api/v1/node-types": {
      "get": {
        "summary": "The node types: name, queue, and JSON Schemas of config and output",
        "responses": {"200": {"description": "every node type", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NodeTypeList"}}}}, "401": {"$ref": "#/components/responses/Error"}}
      }
    },
    "/api/v1/runs": {
      "get": {
        "summary": "List runs, newest first, by workflow and status",
        "parameters": [
          {"name": "workflow_id", "in": "query", "schema": {"type": "string"}},
          {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["queued", "running", "succeeded", "failed", "canceled"]}},
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
          {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}}
        ],
        "responses": {"200": {"description": "a page of runs (without nodes and inputs)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunList"}}}}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}}
      }
    },
    "/api/v1/runs/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "get": {
        "summary": "A run: status, and each node's state, attempt, timings, error and output",
        "responses": {"200": {"description": "the run", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}}}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}}
      }
    },
    "/api/v1/runs/{id}/logs": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "get": {
        "summary": "A run's log, oldest first, paged by cursor; with Accept: text/event-stream, followed live",
        "description": "The stream sends each line as an event log (SSE id: the line's id; a reconnect's Last-Event-ID reads on after it), then end {status} once the run has ended, or error (the Error body).",
        "parameters": [
          {"name": "after", "in": "query", "schema": {"type": "string"}, "description": "the id of the last line read"},
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}
        ],
        "responses": {"200": {"description": "log lines", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunLogList"}},
          "text/event-stream": {"schema": {"type": "object", "required": ["event", "data"], "properties": {
            "event": {"type": "string", "enum": ["log", "end", "error"]}, "id": {"type": "string"},
            "data": {"type": "string", "description": "JSON: log, one line as in RunLogList; end {status}; error, the Error body"}}}}}}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}}
      }
    },
    "/api/v1/runs/{id}/rerun": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "post": {
        "summary": "Start a new run with a finished run's inputs (editor), from its failed nodes or the start, on the pinned or the latest version",
        "requestBody": {"required": false, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RerunRequest"}}}},
        "responses": {
          "202": {"description": "queued", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}}, "headers": {"Location": {"schema": {"type": "string"}, "description": "the new run's status URL"}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/api/v1/runs/{id}/nodes/{node}/output": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "node", "in": "path", "required": true, "schema": {"type": "string"}}],
      "get": {
        "summary": "A node's whole output, also one too large for the run (its output_ref); 404 for a node without an output yet",
        "responses": {"200": {"description": "the output", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NodeOutput"}}}}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}}
      }
    },
    "/api/v1/runs/{id}/nodes/{node}/approve": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "node", "in": "path", "required": true, "schema": {"type": "string"}}],
      "post": {
        "summary": "Approve a node that awaits a decision (an approval node; editor): the nodes on the branch 'approved' run",
        "requestBody": {"required": false, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DecisionRequest"}}}},
        "responses": {"200": {"description": "decided", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}}}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}}
      }
    },
    "/api/v1/runs/{id}/nodes/{node}/reject": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "node", "in": "path", "required": true, "schema": {"type": "string"}}],
      "post": {
        "summary": "Reject a node that awaits a decision (an approval node; editor): the nodes on the branch 'rejected' run",
        "requestBody": {"required": false, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DecisionRequest"}}}},
        "responses": {"200": {"description": "decided", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}}}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}}
      }
    },
    "/api/v1/runs/{id}/cancel": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "post": {
        "summary": "Cancel a run (editor): nodes not begun never start, running ones stop within a second",
        "responses": {"200": {"description": "canceled", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}}}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Unavailable"}}
      }
    }
  }
}
"""#
}
