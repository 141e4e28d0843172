/**
 * Every string of the hosted page, one object per language. Placeholders are `{name}`; the server and
 * the page's script fill them with {@link format}. A locale missing a key does not compile.
 */

import { cookieValue } from "../http/cookies.js"

export type Locale = "en" | "es" | "ru" | "zh"

export const LOCALES: ReadonlyArray<Locale> = ["en", "es", "ru", "zh"]
export const DEFAULT_LOCALE: Locale = "en"

export interface Messages {
  readonly htmlTitle: string
  readonly payTo: string
  readonly amountLabel: string
  readonly timeLeft: string
  readonly payBefore: string
  readonly expiredShort: string
  readonly statusHeading: string
  readonly statusPending: string
  readonly statusProcessing: string
  readonly confirmations: string
  readonly statusCompleted: string
  readonly redirecting: string
  readonly goNow: string
  readonly statusUnderpaid: string
  readonly stillDue: string
  readonly statusExpired: string
  readonly expiredUnderpaid: string
  readonly chooseNetwork: string
  readonly sendExactly: string
  readonly remainingOf: string
  readonly depositAddress: string
  readonly comment: string
  readonly commentRequired: string
  readonly copy: string
  readonly copyAmount: string
  readonly copyAddress: string
  readonly copyComment: string
  readonly copied: string
  readonly openWallet: string
  readonly testMode: string
  readonly received: string
  readonly confirmationsOf: string
  readonly transaction: string
  readonly receiptHeading: string
  readonly receiptMerchant: string
  readonly receiptDescription: string
  readonly receiptAmount: string
  readonly receiptPaid: string
  readonly receiptDate: string
  readonly receiptReference: string
  readonly print: string
  readonly language: string
  readonly copiedAmount: string
  readonly copiedAddress: string
  readonly copiedComment: string
  readonly manualAmount: string
  readonly qrAddressLabel: string
  readonly expiredNext: string
  readonly backTo: string
  readonly copyFailed: string
  readonly qrLabel: string
  readonly scanHint: string
  readonly networkHint: string
  readonly noScript: string
  readonly notFoundTitle: string
  readonly notFoundBody: string
  readonly poweredBy: string
}

const en: Messages = {
  htmlTitle: "Pay {merchant}",
  payTo: "Payment to",
  amountLabel: "Amount",
  timeLeft: "Time left",
  payBefore: "Pay before {time} UTC",
  expiredShort: "Expired",
  statusHeading: "Payment status",
  statusPending: "Waiting for your payment…",
  statusProcessing: "Payment detected. Waiting for confirmations: {x}/{n}",
  confirmations: "Confirmations",
  statusCompleted: "Paid. Thank you!",
  redirecting: "Returning to {merchant} in {s} s…",
  goNow: "Go now",
  statusUnderpaid: "Partly paid: {paid} USD of {amount} USD received.",
  stillDue: "Still due: {due} USD. Send the rest to the same address.",
  statusExpired: "This checkout has expired. Do not send any payment to it.",
  expiredUnderpaid:
    "This checkout expired before it was fully paid ({paid} USD of {amount} USD received). Please contact {merchant}.",
  chooseNetwork: "Network and token",
  sendExactly: "Send exactly",
  remainingOf: "Remaining of {total} {token} in total.",
  depositAddress: "To this address",
  comment: "Comment (memo)",
  commentRequired:
    "The comment is required. Put it in your wallet's comment field, or the payment cannot be matched to this order and may be lost.",
  copy: "Copy",
  copyAmount: "Copy amount",
  copyAddress: "Copy address",
  copyComment: "Copy comment",
  copied: "Copied",
  openWallet: "Open in wallet",
  testMode: "TEST MODE · test networks only, no real money",
  received: "Received {amount} {token} on {network}",
  confirmationsOf: "{x}/{n} confirmations",
  transaction: "Transaction {hash}",
  receiptHeading: "Receipt",
  receiptMerchant: "Merchant",
  receiptDescription: "Description",
  receiptAmount: "Amount",
  receiptPaid: "Paid",
  receiptDate: "Date (UTC)",
  receiptReference: "Reference",
  print: "Print or save the receipt",
  language: "Language",
  copiedAmount: "Amount copied",
  copiedAddress: "Address copied",
  copiedComment: "Comment copied",
  manualAmount:
    "This network has no payment link: the QR code holds the address only. Type the amount in your wallet by hand.",
  qrAddressLabel: "QR code of the deposit address for {option}",
  expiredNext: "To pay, go back to {merchant} and start the payment again.",
  backTo: "Back to {merchant}",
  copyFailed: "Could not copy. Select the text and copy it by hand.",
  qrLabel: "QR code of the payment link for {option}",
  scanHint: "Scan with your wallet app.",
  networkHint:
    "Send {token} on {network} only. Funds sent on another network or in another token may be lost.",
  noScript: "Reload this page to see the latest payment status.",
  notFoundTitle: "Payment page not found",
  notFoundBody: "This payment link is invalid or no longer exists. Ask the merchant for a new one.",
  poweredBy: "Non-custodial payment page powered by Inzi",
}

const es: Messages = {
  htmlTitle: "Pagar a {merchant}",
  payTo: "Pago a",
  amountLabel: "Importe",
  timeLeft: "Tiempo restante",
  payBefore: "Pague antes de las {time} UTC",
  expiredShort: "Vencido",
  statusHeading: "Estado del pago",
  statusPending: "Esperando su pago…",
  statusProcessing: "Pago detectado. Esperando confirmaciones: {x}/{n}",
  confirmations: "Confirmaciones",
  statusCompleted: "Pagado. ¡Gracias!",
  redirecting: "Volviendo a {merchant} en {s} s…",
  goNow: "Ir ahora",
  statusUnderpaid: "Pago parcial: recibidos {paid} USD de {amount} USD.",
  stillDue: "Falta por pagar: {due} USD. Envíe el resto a la misma dirección.",
  statusExpired: "Este pago ha vencido. No envíe ningún pago.",
  expiredUnderpaid:
    "Este pago venció antes de completarse (recibidos {paid} USD de {amount} USD). Contacte con {merchant}.",
  chooseNetwork: "Red y token",
  sendExactly: "Envíe exactamente",
  remainingOf: "Resto de un total de {total} {token}.",
  depositAddress: "A esta dirección",
  comment: "Comentario (memo)",
  commentRequired:
    "El comentario es obligatorio. Escríbalo en el campo de comentario de su billetera; sin él, el pago no se puede asociar a este pedido y puede perderse.",
  copy: "Copiar",
  copyAmount: "Copiar importe",
  copyAddress: "Copiar dirección",
  copyComment: "Copiar comentario",
  copied: "Copiado",
  openWallet: "Abrir en la billetera",
  testMode: "MODO DE PRUEBA · solo redes de prueba, sin dinero real",
  received: "Recibidos {amount} {token} en {network}",
  confirmationsOf: "{x}/{n} confirmaciones",
  transaction: "Transacción {hash}",
  receiptHeading: "Recibo",
  receiptMerchant: "Comercio",
  receiptDescription: "Descripción",
  receiptAmount: "Importe",
  receiptPaid: "Pagado",
  receiptDate: "Fecha (UTC)",
  receiptReference: "Referencia",
  print: "Imprimir o guardar el recibo",
  language: "Idioma",
  copiedAmount: "Importe copiado",
  copiedAddress: "Dirección copiada",
  copiedComment: "Comentario copiado",
  manualAmount:
    "Esta red no tiene enlace de pago: el código QR solo contiene la dirección. Escriba el importe a mano en su billetera.",
  qrAddressLabel: "Código QR de la dirección de depósito para {option}",
  expiredNext: "Para pagar, vuelva a {merchant} e inicie el pago de nuevo.",
  backTo: "Volver a {merchant}",
  copyFailed: "No se pudo copiar. Seleccione el texto y cópielo a mano.",
  qrLabel: "Código QR del enlace de pago para {option}",
  scanHint: "Escanéelo con la aplicación de su billetera.",
  networkHint:
    "Envíe {token} solo en {network}. Los fondos enviados en otra red o en otro token pueden perderse.",
  noScript: "Recargue esta página para ver el estado actual del pago.",
  notFoundTitle: "Página de pago no encontrada",
  notFoundBody: "Este enlace de pago no es válido o ya no existe. Pida uno nuevo al comercio.",
  poweredBy: "Página de pago sin custodia, con tecnología de Inzi",
}

const ru: Messages = {
  htmlTitle: "Оплата: {merchant}",
  payTo: "Получатель",
  amountLabel: "Сумма",
  timeLeft: "Осталось времени",
  payBefore: "Оплатите до {time} UTC",
  expiredShort: "Истекло",
  statusHeading: "Статус платежа",
  statusPending: "Ожидаем ваш платёж…",
  statusProcessing: "Платёж обнаружен. Ожидаем подтверждения: {x}/{n}",
  confirmations: "Подтверждения",
  statusCompleted: "Оплачено. Спасибо!",
  redirecting: "Возвращаем вас в {merchant} через {s} с…",
  goNow: "Перейти сейчас",
  statusUnderpaid: "Оплачено частично: получено {paid} USD из {amount} USD.",
  stillDue: "Осталось доплатить: {due} USD. Отправьте остаток на тот же адрес.",
  statusExpired: "Срок оплаты истёк. Не отправляйте платёж.",
  expiredUnderpaid:
    "Срок оплаты истёк до полной оплаты (получено {paid} USD из {amount} USD). Свяжитесь с {merchant}.",
  chooseNetwork: "Сеть и токен",
  sendExactly: "Отправьте ровно",
  remainingOf: "Остаток от общей суммы {total} {token}.",
  depositAddress: "На этот адрес",
  comment: "Комментарий (memo)",
  commentRequired:
    "Комментарий обязателен. Укажите его в поле комментария в кошельке, иначе платёж не удастся связать с этим заказом и он может быть потерян.",
  copy: "Копировать",
  copyAmount: "Копировать сумму",
  copyAddress: "Копировать адрес",
  copyComment: "Копировать комментарий",
  copied: "Скопировано",
  openWallet: "Открыть в кошельке",
  testMode: "ТЕСТОВЫЙ РЕЖИМ · только тестовые сети, без реальных денег",
  received: "Получено {amount} {token} в сети {network}",
  confirmationsOf: "Подтверждений: {x}/{n}",
  transaction: "Транзакция {hash}",
  receiptHeading: "Квитанция",
  receiptMerchant: "Продавец",
  receiptDescription: "Описание",
  receiptAmount: "Сумма",
  receiptPaid: "Оплачено",
  receiptDate: "Дата (UTC)",
  receiptReference: "Номер",
  print: "Распечатать или сохранить квитанцию",
  language: "Язык",
  copiedAmount: "Сумма скопирована",
  copiedAddress: "Адрес скопирован",
  copiedComment: "Комментарий скопирован",
  manualAmount:
    "В этой сети нет платёжной ссылки: QR-код содержит только адрес. Введите сумму в кошельке вручную.",
  qrAddressLabel: "QR-код адреса для оплаты через {option}",
  expiredNext: "Чтобы оплатить, вернитесь в {merchant} и начните оплату заново.",
  backTo: "Вернуться в {merchant}",
  copyFailed: "Не удалось скопировать. Выделите текст и скопируйте его вручную.",
  qrLabel: "QR-код ссылки на оплату через {option}",
  scanHint: "Отсканируйте в приложении кошелька.",
  networkHint:
    "Отправляйте {token} только в сети {network}. Средства, отправленные в другой сети или другим токеном, могут быть потеряны.",
  noScript: "Обновите страницу, чтобы увидеть текущий статус платежа.",
  notFoundTitle: "Страница оплаты не найдена",
  notFoundBody: "Ссылка на оплату недействительна или больше не существует. Запросите новую у продавца.",
  poweredBy: "Некастодиальная страница оплаты на Inzi",
}

const zh: Messages = {
  htmlTitle: "向 {merchant} 付款",
  payTo: "收款方",
  amountLabel: "金额",
  timeLeft: "剩余时间",
  payBefore: "请在 UTC {time} 前付款",
  expiredShort: "已过期",
  statusHeading: "付款状态",
  statusPending: "正在等待您的付款…",
  statusProcessing: "已检测到付款，正在等待确认：{x}/{n}",
  confirmations: "确认数",
  statusCompleted: "已付款，谢谢！",
  redirecting: "{s} 秒后返回 {merchant}…",
  goNow: "立即前往",
  statusUnderpaid: "部分付款：已收到 {paid} USD，共 {amount} USD。",
  stillDue: "仍需支付：{due} USD。请将余额发送到同一地址。",
  statusExpired: "此付款已过期。请勿再发送任何付款。",
  expiredUnderpaid: "此付款在付清前已过期（已收到 {paid} USD，共 {amount} USD）。请联系 {merchant}。",
  chooseNetwork: "网络和代币",
  sendExactly: "请准确发送",
  remainingOf: "总额 {total} {token} 中的剩余部分。",
  depositAddress: "到此地址",
  comment: "备注（memo）",
  commentRequired: "备注为必填项。请在钱包的备注栏中填写，否则付款无法与此订单匹配，可能会丢失。",
  copy: "复制",
  copyAmount: "复制金额",
  copyAddress: "复制地址",
  copyComment: "复制备注",
  copied: "已复制",
  openWallet: "在钱包中打开",
  testMode: "测试模式 · 仅限测试网络，非真实资金",
  received: "已在 {network} 上收到 {amount} {token}",
  confirmationsOf: "确认数 {x}/{n}",
  transaction: "交易 {hash}",
  receiptHeading: "收据",
  receiptMerchant: "商家",
  receiptDescription: "描述",
  receiptAmount: "金额",
  receiptPaid: "已付",
  receiptDate: "日期（UTC）",
  receiptReference: "参考编号",
  print: "打印或保存收据",
  language: "语言",
  copiedAmount: "金额已复制",
  copiedAddress: "地址已复制",
  copiedComment: "备注已复制",
  manualAmount: "此网络没有付款链接：二维码仅包含地址。请在钱包中手动输入金额。",
  qrAddressLabel: "{option} 收款地址的二维码",
  expiredNext: "如需付款，请返回 {merchant} 重新发起付款。",
  backTo: "返回 {merchant}",
  copyFailed: "复制失败。请选中文本并手动复制。",
  qrLabel: "{option} 付款链接的二维码",
  scanHint: "请用钱包应用扫描。",
  networkHint: "仅可通过 {network} 发送 {token}。通过其他网络或以其他代币发送的资金可能会丢失。",
  noScript: "请刷新此页面以查看最新的付款状态。",
  notFoundTitle: "未找到付款页面",
  notFoundBody: "此付款链接无效或已不存在。请向商家索取新的链接。",
  poweredBy: "由 Inzi 提供的非托管付款页面",
}

export const MESSAGES: Readonly<Record<Locale, Messages>> = { en, es, ru, zh }

/** Each language's own name, for the language switcher. */
export const LANGUAGE_NAMES: Readonly<Record<Locale, string>> = {
  en: "English",
  es: "Español",
  ru: "Русский",
  zh: "中文",
}

/** The cookie that remembers a shopper's language choice on the hosted page. */
export const LOCALE_COOKIE = "inzi_lang"

const asLocale = (value: string | null | undefined): Locale | undefined =>
  LOCALES.find((l) => l === value?.trim().toLowerCase())

/**
 * The page language for a request: `?lang=` (the switcher's links) wins and is remembered in a cookie,
 * then that cookie, then `Accept-Language`. `setCookie` is the `Set-Cookie` value to send, when any.
 *
 * @example
 * localeForRequest({ url: "/p/abc?lang=ru", cookie: undefined, acceptLanguage: "en" }) // { locale: "ru", setCookie: "inzi_lang=ru; …" }
 */
export const localeForRequest = (req: {
  readonly url: string
  readonly cookie: string | undefined
  readonly acceptLanguage: string | undefined
  readonly secure?: boolean | undefined
}): { readonly locale: Locale; readonly setCookie: string | null } => {
  const query = req.url.includes("?") ? new URLSearchParams(req.url.slice(req.url.indexOf("?") + 1)) : null
  const asked = asLocale(query?.get("lang"))
  if (asked !== undefined)
    return {
      locale: asked,
      setCookie: `${LOCALE_COOKIE}=${asked}; Path=/p; Max-Age=31536000; SameSite=Lax; HttpOnly${req.secure ? "; Secure" : ""}`,
    }
  const cookie = cookieValue(req.cookie, LOCALE_COOKIE)
  return { locale: asLocale(cookie) ?? pickLocale(req.acceptLanguage), setCookie: null }
}

/** The strings of one locale. */
export const messagesFor = (locale: Locale): Messages => MESSAGES[locale]

/**
 * Fill `{name}` placeholders. Values are inserted as-is: escape the result when it goes into HTML.
 *
 * @example
 * format("Pay {merchant}", { merchant: "Acme" }) // "Pay Acme"
 * format("{paid} USD", { paid: "10.00" }) // "10.00\u00a0USD" (no-break space)
 */
export const format = (template: string, values: Readonly<Record<string, string | number>>): string =>
  glueAmounts(
    template.replace(/\{(\w+)\}/g, (whole, key: string) =>
      Object.hasOwn(values, key) ? String(values[key]) : whole,
    ),
  )

/**
 * A number and the unit after it (`25.00 USD`, `15 USDT`) joined by a no-break space, so a line never
 * ends between an amount and its currency. The page's script applies the same rule ({@link AMOUNT_UNIT}).
 */
export const glueAmounts = (text: string): string => text.replace(AMOUNT_UNIT, "$1\u00a0$2")

/** A digit, one space, then a currency or token symbol. */
export const AMOUNT_UNIT = /(\d) ([A-Z][A-Za-z0-9.]*\b)/g

/**
 * Choose the page language from an `Accept-Language` header: the supported language with the highest
 * q-value (by primary subtag, so `es-MX` → `es`, `zh-Hant-TW` → `zh`), ties in header order; `*` or
 * nothing usable → English.
 *
 * @example
 * pickLocale("ru-RU,ru;q=0.9,en;q=0.8") // "ru"
 */
export const pickLocale = (acceptLanguage: string | null | undefined): Locale => {
  if (!acceptLanguage) return DEFAULT_LOCALE
  let best: Locale | undefined
  let bestQ = 0
  for (const part of acceptLanguage.slice(0, 1000).split(",")) {
    const [rawTag = "", ...params] = part.trim().split(";")
    const tag = rawTag.trim().toLowerCase()
    let q = 1
    for (const param of params) {
      const m = /^\s*q\s*=(.*)$/i.exec(param)
      if (m) q = /^\s*(0(\.\d{0,3})?|1(\.0{0,3})?)\s*$/.test(m[1]!) ? Number(m[1]) : Number.NaN
    }
    if (!(q > 0) || q > 1) continue
    const primary = tag === "*" ? DEFAULT_LOCALE : tag.split("-")[0]
    const locale = LOCALES.find((l) => l === primary)
    if (locale !== undefined && q > bestQ) {
      best = locale
      bestQ = q
    }
  }
  return best ?? DEFAULT_LOCALE
}
