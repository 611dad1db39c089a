// The target machine of an ELF file, from its header (System V ABI, "ELF Header": e_ident[EI_DATA] at byte 5,
// e_machine at bytes 18-19), to tell an arm64 binary from an amd64 one without running it.
import { open } from "node:fs/promises";

export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;

/** e_machine of an ELF file; undefined for any other file. */
export async function elfMachine(path: string): Promise<number | undefined> {
  const file = await open(path, "r");
  try {
    const header = Buffer.alloc(20);
    const { bytesRead } = await file.read(header, 0, 20, 0);
    if (bytesRead < 20 || header.readUInt32BE(0) !== 0x7f454c46) return undefined; // "\x7fELF"
    return header[5] === 2 ? header.readUInt16BE(18) : header.readUInt16LE(18);
  } finally {
    await file.close();
  }
}
