import { describe, expect, it } from "vitest"
import { makeStreamHub } from "../src/routes/page-streams.js"

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe("the page streams' hub", () => {
  it("asks once per tick for every watched checkout, and tells each stream its own version", async () => {
    const asked: Array<ReadonlyArray<string>> = []
    let v = 1
    const hub = makeStreamHub(async (ids) => {
      asked.push(ids)
      return new Map(ids.filter((id) => id !== "gone").map((id) => [id, `${id}@${v}`]))
    }, 20)
    const heard: Record<string, Array<string | undefined | Error>> = { a: [], b: [], a2: [], gone: [] }
    const stops = [
      hub.watch("a", (x) => heard.a!.push(x)),
      hub.watch("b", (x) => heard.b!.push(x)),
      hub.watch("a", (x) => heard.a2!.push(x)),
      hub.watch("gone", (x) => heard.gone!.push(x)),
    ]
    await sleep(50)
    v = 2
    await sleep(40)
    for (const stop of stops) stop()
    const ticks = asked.length
    expect(ticks).toBeGreaterThanOrEqual(2)
    // one question a tick, each id once, however many streams watch it
    for (const ids of asked) expect([...ids].sort()).toEqual(["a", "b", "gone"])
    expect(heard.a).toContain("a@1")
    expect(heard.a).toContain("a@2")
    expect(heard.a2).toEqual(heard.a)
    expect(heard.b!.every((x) => typeof x === "string" && x.startsWith("b@"))).toBe(true)
    expect(heard.gone!.every((x) => x === undefined)).toBe(true)
    // nothing watched: no more questions
    await sleep(60)
    expect(asked.length).toBe(ticks)
  })

  it("a failed read reaches every stream as an Error; a throwing stream does not stop the others", async () => {
    let fail = true
    const hub = makeStreamHub(async (ids) => {
      if (fail) throw new Error("connection lost")
      return new Map(ids.map((id) => [id, "v"]))
    }, 10)
    const heard: Array<string | undefined | Error> = []
    const stopBad = hub.watch("x", () => {
      throw new Error("a stream's own bug")
    })
    const stop = hub.watch("y", (v) => heard.push(v))
    await sleep(35)
    fail = false
    await sleep(35)
    stop()
    stopBad()
    expect(heard[0]).toBeInstanceOf(Error)
    expect((heard[0] as Error).message).toBe("connection lost")
    expect(heard).toContain("v")
  })

  it("a watch that starts and stops between ticks is never asked about", async () => {
    const asked: Array<ReadonlyArray<string>> = []
    const hub = makeStreamHub(async (ids) => {
      asked.push(ids)
      return new Map()
    }, 30)
    hub.watch("brief", () => {})()
    await sleep(60)
    expect(asked).toEqual([])
  })
})
