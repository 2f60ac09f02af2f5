"""Uses Quarry's MCP server with the official MCP Python SDK, as an assistant would.

    mcp_client.py http URL TOKEN QUESTION [URL_TO_INDEX]   -> JSON: tools, results, errors
    mcp_client.py stdio QUARRY TOKEN_URL QUESTION          -> the same through `quarry mcp` over stdio
                                                              (QUARRY_URL and QUARRY_TOKEN for the child)

Prints one JSON object: the tool names, search and ask results (text and structured content),
list_documents, the first page read as a tool and as a resource, and the errors raised for an
unknown tool, bad arguments and (with URL_TO_INDEX) index_url.
"""
import asyncio
import json
import os
import sys

import httpx2
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError


async def failure(call):
    """The error a call that must fail raised, or its result when it did not."""
    try:
        result = await call
    except MCPError as error:
        return {"raised": type(error).__name__, "code": error.error.code, "message": error.error.message}
    return {"raised": None, "is_error": result.is_error, "text": [c.text for c in result.content if c.type == "text"]}


async def exercise(session, question, url_to_index):
    info = await session.initialize()
    tools = await session.list_tools()
    search = await session.call_tool("search", {"query": question, "top_k": 3})
    ask = await session.call_tool("ask", {"query": question})
    documents = await session.call_tool("list_documents", {})
    out = {
        "server": info.server_info.name,
        "protocol": info.protocol_version,
        "tools": sorted(tool.name for tool in tools.tools),
        "search_text": search.content[0].text,
        "search": search.structured_content,
        "ask_text": ask.content[0].text,
        "ask": ask.structured_content,
        "documents": documents.structured_content,
        "errors": {
            "unknown_tool": await failure(session.call_tool("summarise", {})),
            "bad_top_k": await failure(session.call_tool("search", {"query": question, "top_k": "many"})),
            "top_k_range": await failure(session.call_tool("search", {"query": question, "top_k": 0})),
            "missing_query": await failure(session.call_tool("ask", {})),
            "unknown_argument": await failure(session.call_tool("search", {"query": question, "topk": 3})),
        },
    }
    listed = out["documents"]["documents"]
    if listed:
        first = listed[0]["id"]
        page = await session.call_tool("get_document_text", {"document_id": first, "first_page": 1})
        out["page_text"] = page.structured_content
        templates = await session.list_resource_templates()
        out["templates"] = [t.uri_template for t in templates.resource_templates]
        resources = await session.list_resources()
        out["resources"] = [str(r.uri) for r in resources.resources]
        read = await session.read_resource(f"quarry://documents/{first}/pages/1")
        out["resource_text"] = read.contents[0].text
        out["errors"]["page_range"] = await failure(session.call_tool("get_document_text", {"document_id": first, "first_page": 99}))
        out["errors"]["missing_resource"] = await failure(session.read_resource("quarry://documents/nothing-here/pages/1"))
    if url_to_index:
        out["index_url"] = await failure(session.call_tool("index_url", {"url": url_to_index}))
    return out


async def over_http(url, token, question, url_to_index):
    async with create_mcp_http_client(headers={"Authorization": f"Bearer {token}"}) as http:
        async with streamable_http_client(url, http_client=http) as (read, write):
            async with ClientSession(read, write) as session:
                return await exercise(session, question, url_to_index)


async def over_stdio(quarry, question):
    parameters = StdioServerParameters(command=quarry, args=["mcp"], env=dict(os.environ))
    async with stdio_client(parameters) as (read, write):
        async with ClientSession(read, write) as session:
            return await exercise(session, question, None)


async def refused(url):
    """A request without a token: the HTTP status."""
    async with httpx2.AsyncClient() as http:
        response = await http.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                                   headers={"Accept": "application/json, text/event-stream"})
        return response.status_code


def main(argv):
    kind = argv[1]
    if kind == "http":
        url, token, question = argv[2:5]
        out = asyncio.run(over_http(url, token, question, argv[5] if len(argv) > 5 else None))
        out["without_token"] = asyncio.run(refused(url))
    else:
        out = asyncio.run(over_stdio(argv[2], argv[3]))
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv)
