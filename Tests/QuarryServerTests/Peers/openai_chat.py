"""Asks Quarry's /v1/chat/completions with the official openai client, as any OpenAI user would.

    openai_chat.py BASE_URL TOKEN MODEL QUESTION -> JSON: the answer and citations, non-streamed
                                                    and streamed, the listed models, and the errors
                                                    the client raised for bad requests
"""
import json
import sys

import openai


def error_of(call):
    """The client's exception for a call that must fail, as data."""
    try:
        call()
    except openai.APIStatusError as error:
        return {"class": type(error).__name__, "status": error.status_code, "type": error.type, "param": error.param, "code": error.code}
    except openai.APIError as error:  # an error inside a stream carries no status
        return {"class": type(error).__name__, "status": None, "type": error.type, "param": error.param, "code": error.code}
    return {"class": None}


def main(base_url, token, model, question):
    client = openai.OpenAI(base_url=base_url, api_key=token, max_retries=0)
    messages = [{"role": "system", "content": "Answer from the documents."}, {"role": "user", "content": question}]

    # Streamed first: the same question asked again is answered from Quarry's cache, in one piece.
    pieces, stream_citations, finish, chunks = [], None, None, 0
    for chunk in client.chat.completions.create(model=model, messages=messages, stream=True):
        chunks += 1
        extra = chunk.model_extra or {}
        if extra.get("citations") is not None:
            stream_citations = extra["citations"]
        for choice in chunk.choices:
            if choice.delta.content:
                pieces.append(choice.delta.content)
            if choice.finish_reason:
                finish = choice.finish_reason
    whole = client.chat.completions.create(model=model, messages=messages, temperature=0.2, max_tokens=200)

    def consume(**kwargs):
        for _ in client.chat.completions.create(**kwargs):
            pass

    print(json.dumps({
        "id": whole.id,
        "model": whole.model,
        "content": whole.choices[0].message.content,
        "role": whole.choices[0].message.role,
        "finish_reason": whole.choices[0].finish_reason,
        "citations": (whole.model_extra or {}).get("citations"),
        "stream_content": "".join(pieces),
        "stream_chunks": chunks,
        "stream_citations": stream_citations,
        "stream_finish": finish,
        "models": sorted(m.id for m in client.models.list()),
        "errors": {
            "no_user_message": error_of(lambda: client.chat.completions.create(model=model, messages=[{"role": "system", "content": "hi"}])),
            "unknown_model": error_of(lambda: client.chat.completions.create(model="gpt-4o", messages=messages)),
            "two_choices": error_of(lambda: client.chat.completions.create(model=model, messages=messages, n=2)),
            "empty_question": error_of(lambda: consume(model=model, messages=[{"role": "user", "content": "  "}], stream=True)),
            "bad_token": error_of(lambda: openai.OpenAI(base_url=base_url, api_key="forged", max_retries=0)
                                  .chat.completions.create(model=model, messages=messages)),
        },
    }))


if __name__ == "__main__":
    main(*sys.argv[1:])
