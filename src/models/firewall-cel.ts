/**
 * The firewall model as CEL functions, for flows:
 *
 *   fw_packet(src, dst, proto, sport, dport, iif, oif, ct_state, hook): FwPacket
 *   fw_syn(client, server, port, iif): FwPacket            — a new TCP connection at input
 *   fw_verdict(IptSave, NftJsonRuleset, FwPacket): FwVerdict
 *   fw_fate(IptSave, NftJsonRuleset, FwPacket): FwFate       — the SYN and the answer
 *   fw_fix(IptSave, NftJsonRuleset, FwPacket): FwFix
 *
 * CEL here has no struct literals, hence the two packet constructors. The helpers come from
 * flow/expr.ts (passed in, so that this module does not import the CEL layer that imports it).
 */
import type { Environment } from '@marcbachmann/cel-js';
import { IPT_SAVE as IPT_SAVE_TYPE, type IptSave } from '../parsers/iptables-save.js';
import { NFT_JSON_RULESET as NFT_JSON_TYPE, type NftJsonRuleset } from '../parsers/nft-json.js';
import type { CelHelpers } from './cel.js';
import { evaluate, FW_FATE_TYPE, FW_PACKET_TYPE, FW_VERDICT_TYPE, packetFate, type FwPacket } from './firewall.js';
import { familyOf } from './firewall-ip.js';
import { fixFor, FW_FIX_TYPE } from './firewall-fix.js';

export function registerFirewall(env: Environment, { register, toCel, fromCel }: CelHelpers): void {
  for (const t of [IPT_SAVE_TYPE, NFT_JSON_TYPE, FW_PACKET_TYPE, FW_VERDICT_TYPE, FW_FATE_TYPE, FW_FIX_TYPE]) register(t);
  const fw = (ipt: unknown, nft: unknown) => ({ iptables: fromCel(ipt) as IptSave, nft: fromCel(nft) as NftJsonRuleset });
  const pkt = (p: unknown) => fromCel(p) as FwPacket;
  env.registerFunction(
    'fw_packet(string, string, string, int, int, string, string, string, string): FwPacket',
    (src: string, dst: string, proto: string, sport: bigint, dport: bigint, iif: string, oif: string, ct: string, hook: string) =>
      toCel(
        { family: familyOf(src) || familyOf(dst), proto, src, dst, sport: Number(sport), dport: Number(dport), iif, oif, ct_state: ct, hook, tcp_flags: '' },
        FW_PACKET_TYPE,
      ),
  );
  env.registerFunction('fw_syn(string, string, int, string): FwPacket', (client: string, server: string, port: bigint, iif: string) =>
    toCel(
      { family: familyOf(client) || familyOf(server), proto: 'tcp', src: client, dst: server, sport: 0, dport: Number(port), iif, oif: '', ct_state: 'new', hook: 'input', tcp_flags: 'SYN' },
      FW_PACKET_TYPE,
    ),
  );
  env.registerFunction('fw_verdict(IptSave, NftJsonRuleset, FwPacket): FwVerdict', (i: unknown, n: unknown, p: unknown) =>
    toCel(evaluate(fw(i, n), pkt(p)), FW_VERDICT_TYPE),
  );
  env.registerFunction('fw_fate(IptSave, NftJsonRuleset, FwPacket): FwFate', (i: unknown, n: unknown, p: unknown) =>
    toCel(packetFate(fw(i, n), pkt(p)), FW_FATE_TYPE),
  );
  env.registerFunction('fw_fix(IptSave, NftJsonRuleset, FwPacket): FwFix', (i: unknown, n: unknown, p: unknown) =>
    toCel(fixFor(fw(i, n), pkt(p)), FW_FIX_TYPE),
  );
}
