/**
 * An open-addressing hash table from string keys to entries (a number and a small integer tag each), its keys
 * kept as bytes in one growing buffer: a million keys are a handful of typed arrays for the garbage collector
 * to skip, not a million strings and map entries to trace. Entries have stable ids until `compact`, which
 * renumbers them (and returns the mapping) once deleted ones outnumber live ones.
 *
 * Keys of characters below U+0100 (addresses, ids, memos in ASCII) take one byte per character; others two.
 */
export class KeyTable {
  /** Entry id + 1 per slot; 0: empty; -1: deleted (probing goes on past it). */
  private slots = new Int32Array(1024)
  private keyOffset = new Int32Array(512)
  /** Characters in the key; negative: two bytes per character. */
  private keyLength = new Int32Array(512)
  private values = new Float64Array(512)
  private tags = new Int32Array(512)
  /** Each entry's key hash: most probes are told apart by it, without reading the key. */
  private hashes = new Int32Array(512)
  private live = new Uint8Array(512)
  private bytes = new Uint8Array(16_384)
  private bytesUsed = 0
  /** Entries ever allocated since the last compaction (live and deleted). */
  private entries = 0
  private liveCount = 0
  /** Slots holding -1. */
  private deletedSlots = 0

  get size(): number {
    return this.liveCount
  }

  /** Entry ids handed out so far (some deleted): ids are below this. */
  get idLimit(): number {
    return this.entries
  }

  /**
   * Makes room for `entries` more keys of `bytes` bytes in all, at once: a whole read then fills the table
   * without growing it step by step (each growth copies every array and keeps the old one until the GC runs).
   */
  reserve(entries: number, bytes: number): void {
    const needed = this.entries + entries
    if (needed > this.values.length) this.growEntries(needed)
    if (this.bytesUsed + bytes > this.bytes.length) {
      const grown = new Uint8Array(this.bytesUsed + bytes)
      grown.set(this.bytes.subarray(0, this.bytesUsed))
      this.bytes = grown
    }
    if ((this.liveCount + entries) * 2 > this.slots.length) this.rehash(this.liveCount + entries)
  }

  /** The entry id of `key`, or -1. */
  find(key: string): number {
    return this.findHashed(key, hashOf(key))
  }

  /** The entry id of `key`, added (value and tag as given) when absent. */
  insert(key: string, value: number, tag: number): number {
    const h = hashOf(key)
    const found = this.findHashed(key, h)
    if (found >= 0) return found
    if ((this.liveCount + this.deletedSlots + 1) * 2 > this.slots.length) this.rehash()
    const id = this.newEntry(key, h, value, tag)
    const mask = this.slots.length - 1
    let i = h & mask
    while (this.slots[i]! > 0) i = (i + 1) & mask
    if (this.slots[i] === -1) this.deletedSlots--
    this.slots[i] = id + 1
    return id
  }

  isLive(id: number): boolean {
    return id >= 0 && id < this.entries && this.live[id] === 1
  }

  value(id: number): number {
    return this.values[id]!
  }

  setValue(id: number, value: number): void {
    this.values[id] = value
  }

  tag(id: number): number {
    return this.tags[id]!
  }

  key(id: number): string {
    const n = this.keyLength[id]!
    const at = this.keyOffset[id]!
    let s = ""
    if (n >= 0) for (let i = 0; i < n; i++) s += String.fromCharCode(this.bytes[at + i]!)
    else
      for (let i = 0; i < -n; i++)
        s += String.fromCharCode(this.bytes[at + 2 * i]! | (this.bytes[at + 2 * i + 1]! << 8))
    return s
  }

  delete(id: number): void {
    if (!this.isLive(id)) return
    const mask = this.slots.length - 1
    for (let i = this.hashes[id]! & mask; ; i = (i + 1) & mask) {
      if (this.slots[i] === id + 1) {
        this.slots[i] = -1
        this.deletedSlots++
        break
      }
    }
    this.live[id] = 0
    this.liveCount--
  }

  /** True when deleted entries take more room than live ones (then `compact` is worth its pass). */
  get wasteful(): boolean {
    return this.entries - this.liveCount > Math.max(4096, this.liveCount)
  }

  /**
   * Drops deleted entries and their key bytes: live entries get new ids, in their old order. Returns the new
   * id of each old one (-1: deleted).
   */
  compact(): Int32Array {
    const next = new Int32Array(this.entries).fill(-1)
    let n = 0
    let used = 0
    for (let id = 0; id < this.entries; id++) {
      if (this.live[id] !== 1) continue
      const len = this.keyLength[id]!
      const width = len >= 0 ? len : -2 * len
      this.bytes.copyWithin(used, this.keyOffset[id]!, this.keyOffset[id]! + width)
      this.keyOffset[n] = used
      this.keyLength[n] = len
      this.values[n] = this.values[id]!
      this.tags[n] = this.tags[id]!
      this.hashes[n] = this.hashes[id]!
      this.live[n] = 1
      next[id] = n
      used += width
      n++
    }
    this.live.fill(0, n, this.entries)
    this.entries = n
    this.bytesUsed = used
    this.rehash()
    return next
  }

  clear(): void {
    this.slots = new Int32Array(1024)
    this.keyOffset = new Int32Array(512)
    this.keyLength = new Int32Array(512)
    this.values = new Float64Array(512)
    this.tags = new Int32Array(512)
    this.hashes = new Int32Array(512)
    this.live = new Uint8Array(512)
    this.bytes = new Uint8Array(16_384)
    this.bytesUsed = 0
    this.entries = 0
    this.liveCount = 0
    this.deletedSlots = 0
  }

  private findHashed(key: string, h: number): number {
    const mask = this.slots.length - 1
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = this.slots[i]!
      if (s === 0) return -1
      if (s > 0 && this.hashes[s - 1] === h && this.keyEquals(s - 1, key)) return s - 1
    }
  }

  private keyEquals(id: number, key: string): boolean {
    const n = this.keyLength[id]!
    const at = this.keyOffset[id]!
    if (n >= 0) {
      if (n !== key.length) return false
      for (let i = 0; i < n; i++) if (this.bytes[at + i] !== key.charCodeAt(i)) return false
      return true
    }
    if (-n !== key.length) return false
    for (let i = 0; i < -n; i++)
      if ((this.bytes[at + 2 * i]! | (this.bytes[at + 2 * i + 1]! << 8)) !== key.charCodeAt(i)) return false
    return true
  }

  private newEntry(key: string, h: number, value: number, tag: number): number {
    let wide = false
    for (let i = 0; i < key.length && !wide; i++) wide = key.charCodeAt(i) > 0xff
    const width = wide ? 2 * key.length : key.length
    if (this.bytesUsed + width > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.bytesUsed + width))
      grown.set(this.bytes.subarray(0, this.bytesUsed))
      this.bytes = grown
    }
    if (this.entries === this.values.length) this.growEntries(this.values.length * 2)
    const id = this.entries++
    const at = this.bytesUsed
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i)
      if (wide) {
        this.bytes[at + 2 * i] = c & 0xff
        this.bytes[at + 2 * i + 1] = c >> 8
      } else this.bytes[at + i] = c
    }
    this.bytesUsed += width
    this.keyOffset[id] = at
    this.keyLength[id] = wide ? -key.length : key.length
    this.values[id] = value
    this.tags[id] = tag
    this.hashes[id] = h
    this.live[id] = 1
    this.liveCount++
    return id
  }

  private growEntries(n: number): void {
    const grow = <A extends Int32Array | Float64Array | Uint8Array>(a: A, make: (n: number) => A): A => {
      const b = make(n)
      b.set(a)
      return b
    }
    this.keyOffset = grow(this.keyOffset, (k) => new Int32Array(k))
    this.keyLength = grow(this.keyLength, (k) => new Int32Array(k))
    this.values = grow(this.values, (k) => new Float64Array(k))
    this.tags = grow(this.tags, (k) => new Int32Array(k))
    this.hashes = grow(this.hashes, (k) => new Int32Array(k))
    this.live = grow(this.live, (k) => new Uint8Array(k))
  }

  /** Rebuilds the slots for the live entries, at a size that keeps `room` entries at most a quarter full. */
  private rehash(room = this.liveCount): void {
    let size = 1024
    while (size < room * 4) size *= 2
    const slots = new Int32Array(size)
    const mask = size - 1
    for (let id = 0; id < this.entries; id++) {
      if (this.live[id] !== 1) continue
      let i = this.hashes[id]! & mask
      while (slots[i] !== 0) i = (i + 1) & mask
      slots[i] = id + 1
    }
    this.slots = slots
    this.deletedSlots = 0
  }
}

/** FNV-1a over the UTF-16 code units, then a final mix (keys often share long prefixes). */
const hashOf = (key: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
  return mix(h)
}

const mix = (x: number): number => {
  let h = x ^ (x >>> 16)
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  return h | 0
}
