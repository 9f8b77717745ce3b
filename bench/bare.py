"""The yardstick: a bare FastAPI app with one route returning a small constant JSON, served by the
same uvicorn (uvloop, httptools) as Pressroom."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def root() -> dict[str, str]:
    return {"status": "ok"}
