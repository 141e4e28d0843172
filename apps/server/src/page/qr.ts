import QRCode from "qrcode"
import { escapeHtml } from "./escape.js"

/** Modules of white border around the symbol (the quiet zone the QR spec asks for). */
const QUIET_ZONE = 4

/**
 * Encode `text` (a wallet deep link) as a QR code with the `qrcode` package and draw it as an inline SVG:
 * dark modules as one path on a white square, always black on white (also in dark mode, so every wallet
 * scanner reads it). Synchronous, no external resources, no `style` attributes (CSP-safe). Error correction
 * level L: a code on a screen is not worn or torn, and the smaller symbol has larger modules at the same size,
 * easier for a phone camera (and fewer bytes on the page).
 *
 * @example
 * qrSvg("TJtEySoVuAkk3xwXghLgrUFVKSMq9JkE18", "QR code of the payment link")
 */
export const qrSvg = (text: string, label: string): string => {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: "L" })
  const size = modules.size
  const full = size + 2 * QUIET_ZONE
  // One stroked path: per row, the first run by an absolute move, the next ones relative to the end of
  // the previous run (about half the bytes of one filled rectangle per run). The quiet zone and the half
  // module of the stroke's centre line are one translate, so coordinates stay short integers.
  let path = ""
  for (let row = 0; row < size; row++) {
    let col = 0
    let end = -1
    while (col < size) {
      if (!modules.get(row, col)) {
        col++
        continue
      }
      const start = col
      while (col < size && modules.get(row, col)) col++
      path += end < 0 ? `M${start} ${row}` : `m${start - end} 0`
      path += `h${col - start}`
      end = col
    }
  }
  return (
    `<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${full} ${full}" role="img"` +
    ` aria-label="${escapeHtml(label)}" shape-rendering="crispEdges">` +
    `<rect width="${full}" height="${full}" fill="#fff"/>` +
    `<path transform="translate(${QUIET_ZONE} ${QUIET_ZONE + 0.5})" stroke="#000" fill="none" d="${path}"/></svg>`
  )
}
