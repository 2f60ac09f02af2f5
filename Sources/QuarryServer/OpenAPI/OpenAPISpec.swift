/// Quarry's API as OpenAPI 3.1, served at `GET /api/v1/openapi.json` (no token needed, like
/// `/health`: it describes, it reveals nothing). A test checks that its paths and methods are
/// exactly the router's and that it validates as OpenAPI.
enum OpenAPISpec {
    static let json = #"""
    {
      "openapi": "3.1.0",
      "info": {"title": "Quarry", "version": "1", "description": "Self-hosted search and question answering over your documents, with exact citations."},
      "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        "schemas": {
          "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
          "Source": {"type": "object", "properties": {"uri": {"type": "string"}, "filename": {"type": ["string", "null"]}, "mediaType": {"type": "string"}}},
          "Document": {"type": "object", "required": ["id", "status", "source", "progress", "status_url"], "properties": {
            "id": {"type": "string", "description": "sha256 of the bytes, hex"},
            "title": {"type": ["string", "null"]},
            "source": {"$ref": "#/components/schemas/Source"},
            "status": {"type": "string", "enum": ["queued", "parsing", "parsed", "chunking", "embedding", "indexed", "failed", "needs_ocr", "canceled"]},
            "error": {"type": ["string", "null"]},
            "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
            "pages": {"type": "integer"},
            "progress": {"type": "object", "properties": {"chunks": {"type": "integer"}, "chunksIndexed": {"type": "integer"},
              "stage": {"type": "integer"}, "stages": {"type": "integer"}}},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "status_url": {"type": "string"}}},
          "DocumentList": {"type": "object", "properties": {"documents": {"type": "array", "items": {"$ref": "#/components/schemas/Document"}},
            "limit": {"type": "integer"}, "offset": {"type": "integer"}}},
          "IndexJobRequest": {"type": "object", "additionalProperties": false, "description": "at least one path or URL; at most 10,000 items after folders are expanded",
            "properties": {
              "paths": {"type": "array", "items": {"type": "string"}, "description": "files or folders (searched recursively for PDF, HTML and .txt) inside the server's index_root, absolute or relative to it"},
              "urls": {"type": "array", "items": {"type": "string", "format": "uri"}, "description": "http(s); fetched by a worker through the SSRF guard"}}},
          "IndexJob": {"type": "object", "required": ["id", "status", "total", "counts", "status_url"], "properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "enum": ["queued", "running", "completed", "canceled"]},
            "total": {"type": "integer", "description": "files and URLs in the job"},
            "counts": {"type": "object", "description": "items per stage", "additionalProperties": {"type": "integer"}, "propertyNames": {"enum": [
              "pending", "queued", "parsing", "chunking", "embedding", "indexed", "unchanged", "failed", "needs_ocr", "canceled", "removed"]}},
            "pages": {"type": "integer", "description": "pages of the documents this job indexed"},
            "chunks": {"type": "integer"},
            "documents_per_second": {"type": ["number", "null"]},
            "pages_per_second": {"type": ["number", "null"]},
            "eta_seconds": {"type": ["number", "null"]},
            "failures": {"type": "array", "description": "left out of lists", "items": {"type": "object", "properties": {
              "source": {"type": "string"}, "document_id": {"type": ["string", "null"]}, "reason": {"type": "string"}}}},
            "created_at": {"type": "string", "format": "date-time"},
            "started_at": {"type": ["string", "null"], "format": "date-time"},
            "finished_at": {"type": ["string", "null"], "format": "date-time"},
            "status_url": {"type": "string"}}},
          "IndexJobList": {"type": "object", "properties": {"index_jobs": {"type": "array", "items": {"$ref": "#/components/schemas/IndexJob"}},
            "limit": {"type": "integer"}, "offset": {"type": "integer"}}},
          "QueryRequest": {"type": "object", "required": ["query"], "additionalProperties": false, "properties": {
            "query": {"type": "string", "minLength": 1, "maxLength": 2000},
            "top_k": {"type": "integer", "minimum": 1, "maximum": 100, "default": 5},
            "mode": {"type": "string", "enum": ["hybrid", "dense", "sparse"], "default": "hybrid"},
            "answer": {"type": "string", "enum": ["extractive", "llm", "none"], "default": "extractive", "description": "llm needs llm_url configured"},
            "document_ids": {"type": "array", "items": {"type": "string"}},
            "filters": {"type": "object", "additionalProperties": {"type": "string"}, "description": "metadata equality"},
            "stream": {"type": "boolean", "default": false, "description": "server-sent events: retrieved, answer (pieces), done or error"}}},
          "Box": {"type": "object", "properties": {"page": {"type": "integer"}, "x0": {"type": "number"}, "y0": {"type": "number"},
            "x1": {"type": "number"}, "y1": {"type": "number"}}, "description": "PDF points, origin at the top left"},
          "Citation": {"type": "object", "properties": {"number": {"type": "integer"}, "documentId": {"type": "string"}, "title": {"type": ["string", "null"]},
            "source": {"type": "string"}, "page": {"type": "integer"}, "charStart": {"type": "integer"}, "charEnd": {"type": "integer"},
            "snippet": {"type": "string", "description": "query terms marked <mark>…</mark>"}, "score": {"type": "number"},
            "boxes": {"type": "array", "items": {"$ref": "#/components/schemas/Box"}}}},
          "Hit": {"type": "object", "properties": {"chunkId": {"type": "string"}, "documentId": {"type": "string"}, "title": {"type": ["string", "null"]},
            "score": {"type": "number"}, "text": {"type": "string"}, "headingPath": {"type": "array", "items": {"type": "string"}},
            "pageStart": {"type": "integer"}, "pageEnd": {"type": "integer"}}},
          "QueryResponse": {"type": "object", "properties": {"query": {"type": "string"},
            "answer": {"type": ["object", "null"], "properties": {"text": {"type": "string"}, "found": {"type": "boolean"}}},
            "citations": {"type": "array", "items": {"$ref": "#/components/schemas/Citation"}},
            "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
            "timings": {"type": "object", "additionalProperties": {"type": "number"}, "description": "milliseconds per stage and total"},
            "cached": {"type": "boolean"}}},
          "Me": {"type": "object", "properties": {"sub": {"type": "string"}, "tenant": {"type": "string"}, "roles": {"type": "array", "items": {"type": "string"}}}},
          "TokenRequest": {"type": "object", "required": ["sub", "role"], "properties": {"sub": {"type": "string"},
            "role": {"type": "string", "enum": ["viewer", "editor", "admin"]}, "ttl_seconds": {"type": "integer", "minimum": 1}}},
          "TokenResponse": {"type": "object", "properties": {"token": {"type": "string"}, "tenant": {"type": "string"}, "expires_in": {"type": "integer"}}},
          "EmbeddingsRequest": {"type": "object", "required": ["input"], "properties": {
            "input": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
            "model": {"type": "string"}, "encoding_format": {"type": "string", "enum": ["float", "base64"]}, "dimensions": {"type": "integer"}}},
          "EmbeddingsResponse": {"type": "object", "properties": {"object": {"type": "string"}, "model": {"type": "string"},
            "data": {"type": "array", "items": {"type": "object", "properties": {"object": {"type": "string"}, "index": {"type": "integer"},
              "embedding": {"oneOf": [{"type": "array", "items": {"type": "number"}}, {"type": "string"}]}}}},
            "usage": {"type": "object", "properties": {"prompt_tokens": {"type": "integer"}, "total_tokens": {"type": "integer"}}}}}
        },
        "responses": {
          "Error": {"description": "what went wrong, for a person", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        }
      },
      "security": [{"bearer": []}],
      "paths": {
        "/health": {"get": {"summary": "Liveness", "security": [], "responses": {"200": {"description": "alive"}}}},
        "/ready": {"get": {"summary": "Readiness of every back end", "security": [], "responses": {"200": {"description": "ready"}, "503": {"description": "a back end is down"}}}},
        "/metrics": {"get": {"summary": "Prometheus metrics", "security": [], "responses": {"200": {"description": "Prometheus text"}}}},
        "/api/v1/openapi.json": {"get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OpenAPI 3.1"}}}},
        "/api/v1/me": {"get": {"summary": "Who the token says you are", "responses": {
          "200": {"description": "the caller", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Me"}}}},
          "401": {"$ref": "#/components/responses/Error"}}}},
        "/api/v1/tokens": {"post": {"summary": "Mint a token for your tenant (admin)",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TokenRequest"}}}},
          "responses": {"201": {"description": "the token", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TokenResponse"}}}},
            "400": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}},
        "/api/v1/documents": {
          "post": {"summary": "Upload a document, or have Quarry fetch one by URL (editor)", "requestBody": {"required": true, "content": {
              "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}},
              "application/json": {"schema": {"type": "object", "required": ["url"], "additionalProperties": false, "properties": {
                "url": {"type": "string", "format": "uri", "description": "http(s); private, loopback and link-local targets refused unless allow_private_urls"}}}}}},
            "responses": {"202": {"description": "stored and queued", "headers": {"Location": {"schema": {"type": "string"}}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Document"}}}},
              "200": {"description": "these bytes are already there", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Document"}}}},
              "400": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"}, "415": {"$ref": "#/components/responses/Error"},
              "502": {"$ref": "#/components/responses/Error"}}},
          "get": {"summary": "List documents, newest first",
            "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}},
              {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}}],
            "responses": {"200": {"description": "a page of documents", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DocumentList"}}}}}}},
        "/api/v1/documents/{id}": {
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
          "get": {"summary": "A document, its status and progress", "responses": {
            "200": {"description": "the document", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Document"}}}},
            "404": {"$ref": "#/components/responses/Error"}}},
          "delete": {"summary": "Remove a document with its chunks and vectors (editor)", "responses": {
            "204": {"description": "removed"}, "404": {"$ref": "#/components/responses/Error"}}}},
        "/api/v1/index-jobs": {
          "post": {"summary": "Index many files and URLs at once (editor); workers read and index them",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IndexJobRequest"}}}},
            "responses": {"202": {"description": "created; follow the Location", "headers": {"Location": {"schema": {"type": "string"}}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IndexJob"}}}},
              "400": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
              "413": {"$ref": "#/components/responses/Error"}}},
          "get": {"summary": "List index jobs, newest first",
            "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
              {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}}],
            "responses": {"200": {"description": "a page of jobs", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IndexJobList"}}}}}}},
        "/api/v1/index-jobs/{id}": {
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
          "get": {"summary": "An index job: counts per stage, failures with reasons, rate and ETA", "responses": {
            "200": {"description": "the job", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IndexJob"}}}},
            "404": {"$ref": "#/components/responses/Error"}}}},
        "/api/v1/index-jobs/{id}/cancel": {
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
          "post": {"summary": "Cancel an index job (editor): items not begun are skipped, documents being worked on finish", "responses": {
            "200": {"description": "canceled", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IndexJob"}}}},
            "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}}},
        "/api/v1/rag/query": {"post": {"summary": "Answer a question with citations",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/QueryRequest"}}}},
          "responses": {"200": {"description": "answer, citations, hits, timings", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/QueryResponse"}},
              "text/event-stream": {"schema": {"type": "string", "description": "events retrieved, answer, done or error; each data line is JSON"}}}},
            "400": {"$ref": "#/components/responses/Error"}, "502": {"$ref": "#/components/responses/Error"}}}},
        "/v1/embeddings": {"post": {"summary": "OpenAI-compatible embeddings",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EmbeddingsRequest"}}}},
          "responses": {"200": {"description": "vectors", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EmbeddingsResponse"}}}},
            "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}}
      }
    }
    """#
}
