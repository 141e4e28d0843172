import { JettonMinter, JettonWallet } from "@ton-community/assets-sdk"
import { Address, beginCell, type Cell, toNano, type Transaction } from "@ton/core"
import { Blockchain, GetMethodError, type SandboxContract, type TreasuryContract } from "@ton/sandbox"
import { type ExtraRoute, FakeToncenter, type GetMethodHandler, Ledger } from "./fake-toncenter.js"
import { accountOf, toToncenterV2 } from "./toncenter-shape.js"

export type Comment = { readonly inline: string } | { readonly ref: string } | null

/** A TEP-74 `transfer` body built by hand, so the test chooses inline/ref payloads and forward amounts. */
export const jettonTransferBody = (p: {
  readonly amount: bigint
  readonly to: Address
  readonly responseTo: Address
  readonly forwardTonAmount: bigint
  readonly comment: Comment
  readonly queryId?: bigint
}): Cell => {
  const b = beginCell()
    .storeUint(0x0f8a7ea5, 32)
    .storeUint(p.queryId ?? 0n, 64)
    .storeCoins(p.amount)
    .storeAddress(p.to)
    .storeAddress(p.responseTo)
    .storeBit(false)
    .storeCoins(p.forwardTonAmount)
  if (p.comment === null) return b.storeBit(false).endCell()
  if ("inline" in p.comment)
    return b.storeBit(false).storeUint(0, 32).storeStringTail(p.comment.inline).endCell()
  return b
    .storeBit(true)
    .storeRef(beginCell().storeUint(0, 32).storeStringTail(p.comment.ref).endCell())
    .endCell()
}

/**
 * A real TVM world (@ton/sandbox) with two jettons built from the same TEP-74 code (assets-sdk): the
 * genuine one the merchant configured, and a fake one an attacker deployed. Every executed transaction is
 * published, in toncenter v2 shape, to a fake toncenter whose runGetMethod runs on the same sandbox.
 */
export const makeJettonWorld = async (
  options: { readonly port?: number; readonly routes?: ExtraRoute } = {},
) => {
  const blockchain = await Blockchain.create()
  const admin = await blockchain.treasury("admin")
  const attacker = await blockchain.treasury("attacker")
  const payer = await blockchain.treasury("payer")
  const merchant = await blockchain.treasury("merchant")
  /** A merchant wallet that was never deployed (as in the recorded fixture): its notifications abort. */
  const coldMerchant = Address.parseRaw(`0:${"c0".repeat(32)}`)
  const ledger = new Ledger()
  const published: Array<Transaction> = []
  const publish = (txs: ReadonlyArray<Transaction>) => {
    for (const tx of txs) {
      ledger.publish(accountOf(tx), toToncenterV2(tx))
      published.push(tx)
    }
  }

  const genuine = blockchain.openContract(
    JettonMinter.createFromConfig({ admin: admin.address, content: beginCell().storeUint(1, 8).endCell() }),
  )
  const fake = blockchain.openContract(
    JettonMinter.createFromConfig({
      admin: attacker.address,
      content: beginCell().storeUint(2, 8).endCell(),
    }),
  )
  publish((await genuine.sendDeploy(admin.getSender(), toNano("0.1"))).transactions)
  publish((await fake.sendDeploy(attacker.getSender(), toNano("0.1"))).transactions)
  publish((await genuine.sendMint(admin.getSender(), payer.address, 1_000_000_000n)).transactions)
  publish((await fake.sendMint(attacker.getSender(), attacker.address, 1_000_000_000n)).transactions)

  const walletOf = async (minter: typeof genuine, owner: Address) =>
    blockchain.openContract(JettonWallet.createFromAddress(await minter.getWalletAddress(owner)))
  const payerWallet = await walletOf(genuine, payer.address)
  const attackerFakeWallet = await walletOf(fake, attacker.address)

  const transfer = async (
    from: SandboxContract<TreasuryContract>,
    fromJettonWallet: Address,
    to: Address,
    amount: bigint,
    comment: Comment,
    forwardTonAmount = 1n,
  ) => {
    const r = await from.send({
      to: fromJettonWallet,
      value: toNano("0.1") + forwardTonAmount,
      body: jettonTransferBody({ amount, to, responseTo: from.address, forwardTonAmount, comment }),
    })
    publish(r.transactions)
    return r.transactions
  }

  /** toncenter's runGetMethod, executed by the sandbox TVM on the current state. */
  const getMethod: GetMethodHandler = async (address, method, stack) => {
    try {
      const r = await blockchain.runGetMethod(address, method, [...stack])
      return { exitCode: r.exitCode, stack: r.stack }
    } catch (e) {
      if (e instanceof GetMethodError) return { exitCode: e.exitCode, stack: [] }
      return undefined
    }
  }
  const server = await new FakeToncenter(ledger, getMethod, options.routes).start(options.port)

  return {
    blockchain,
    ledger,
    server,
    getMethod,
    published,
    publish,
    genuine,
    fake,
    admin,
    attacker,
    payer,
    merchant,
    coldMerchant,
    walletOf,
    /** The payer pays with the genuine jetton. */
    pay: (to: Address, amount: bigint, comment: Comment, forwardTonAmount = 1n) =>
      transfer(payer, payerWallet.address, to, amount, comment, forwardTonAmount),
    /** The attacker pays with the fake jetton: same code, same comment, same amount. */
    payFake: (to: Address, amount: bigint, comment: Comment) =>
      transfer(attacker, attackerFakeWallet.address, to, amount, comment),
    /** The attacker sends a hand-made transfer_notification straight from a wallet. */
    forgeNotification: async (to: Address, amount: bigint, memo: string) => {
      const body = beginCell()
        .storeUint(0x7362d09c, 32)
        .storeUint(0, 64)
        .storeCoins(amount)
        .storeAddress(payer.address)
        .storeBit(true)
        .storeRef(beginCell().storeUint(0, 32).storeStringTail(memo).endCell())
        .endCell()
      const r = await attacker.send({ to, value: toNano("0.05"), body })
      publish(r.transactions)
      return r.transactions
    },
    /** The attacker sends a hand-made internal_transfer straight to a genuine jetton wallet. */
    forgeInternalTransfer: async (jettonWallet: Address, amount: bigint, memo: string) => {
      const body = beginCell()
        .storeUint(0x178d4519, 32)
        .storeUint(0, 64)
        .storeCoins(amount)
        .storeAddress(payer.address)
        .storeAddress(attacker.address)
        .storeCoins(0n)
        .storeBit(true)
        .storeRef(beginCell().storeUint(0, 32).storeStringTail(memo).endCell())
        .endCell()
      const r = await attacker.send({ to: jettonWallet, value: toNano("0.1"), body })
      publish(r.transactions)
      return r.transactions
    },
  }
}
export type JettonWorld = Awaited<ReturnType<typeof makeJettonWorld>>
