"""Calls Quarry's /v1/embeddings with the official openai client, as any OpenAI user would.

    openai_embeddings.py BASE_URL TOKEN MODEL TEXT...   -> JSON: embeddings (default base64 path,
                                                           decoded by the client), float ones, usage
    openai_embeddings.py --bad-token BASE_URL           -> prints the error class the client raised
"""
import json
import sys

import openai


def main(argv):
    if argv[1] == "--bad-token":
        client = openai.OpenAI(base_url=argv[2], api_key="not-a-token", max_retries=0)
        try:
            client.embeddings.create(model="all-MiniLM-L6-v2", input="hello")
            print("no error")
        except openai.APIStatusError as error:
            print(type(error).__name__, error.status_code)
        return
    base_url, token, model, *texts = argv[1:]
    client = openai.OpenAI(base_url=base_url, api_key=token, max_retries=0)
    default = client.embeddings.create(model=model, input=texts)
    floats = client.embeddings.create(model=model, input=texts, encoding_format="float")
    print(json.dumps({
        "model": default.model,
        "embeddings": [item.embedding for item in default.data],
        "float_embeddings": [item.embedding for item in floats.data],
        "indexes": [item.index for item in default.data],
        "prompt_tokens": default.usage.prompt_tokens,
    }))


if __name__ == "__main__":
    main(sys.argv)
