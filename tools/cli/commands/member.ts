// `botpeer member` (tools layer, Node only): changes of a consortium's membership, as a
// proposal file that members approve and one member submits. Its options and help text; the
// work is done by member-govern.ts.

import { UsageError } from '../cli-support.js';
import { memberApprove, memberPropose, memberSubmit } from '../member-govern.js';
import { memberRekey } from '../member-rekey.js';
import { type Command, DATA_HELP, dataOf, onePositional, str } from './command.js';

export const command: Command = {
  name: 'member',
  summary: 'change a consortium\'s membership: propose, approve and submit a GOVERN',
  help: `usage: botpeer member propose add KEY | remove KEY | rotate OLDKEY NEWKEY | threshold T
                              --out FILE [--data MEMBER_DIR]
       botpeer member propose rekey --keys K1,K2,… --threshold T --group-key HEX
                              --out FILE [--data MEMBER_DIR]
       botpeer member approve FILE [--data MEMBER_DIR]
       botpeer member submit FILE --mqtt URL [--timeout MS] [--data MEMBER_DIR]
       botpeer member rekey [--add K1,K2,…] [--remove K1,…] [--threshold T] --nats URLS
                              --out FILE [--mqtt URL] [--timeout MS] [--data MEMBER_DIR]

A consortium changes its members with a GOVERN transaction approved by the threshold of
the current members (README "Changing the membership"):
propose: writes the proposal to FILE (JSON): the chain, the current set as this member's
  ledger holds it (approvals count in that set), the change, and no approvals yet. KEY is a
  member's public key (66 hex digits, as \`botpeer init --member-key\` prints it).
  rekey replaces the set by a FROST set: its member keys (any order), its signing threshold
  and the group key of a FROST key generation among them. It is the only change a FROST set
  takes (add, remove, rotate and threshold are refused there), and it also moves an ECDSA
  consortium to FROST. Every new member must hold its share (keys/frost-<groupKey>.key and
  frost-<groupKey>.json in its folder) before the GOVERN is submitted, or it will not sign.
approve: adds this member's approval (signed with its key in MEMBER_DIR/keys/gateway.key)
  to FILE. Pass FILE from member to member; each approves on its own machine.
submit: sends the GOVERN, signed by this member's key, through its own gateway's broker
  (--mqtt, as \`botpeer gateway --nats\` prints it) and waits until it is final.
  Fails with a message when the key is not a member's, the set changed since the proposal
  was made (make a new one), or FILE has fewer approvals than the threshold.
rekey: the whole change of a FROST consortium in one command, run at about the same time by
  every member of the NEW set on its own machine: the new set is the current one with --add
  and --remove applied (threshold: --threshold, else the current one); the members make its
  group key together over NATS (no dealer; a silent or faulty member is named and left out),
  each stores its own share, the members of the current set approve the result, and FILE
  gets the proposal with the approvals. With --mqtt, the approving member with the lowest
  index submits it. Also moves an ECDSA consortium to FROST (no --add/--remove).
The block after the one holding the GOVERN is signed by the new set. A new member starts
its gateway (\`botpeer gateway --nats\`) with the chain's genesis files and its own key; it
replays the chain and signs once the set holds its key.

options:
  --out FILE                propose: where to write the proposal
  --keys K1,K2,…            propose rekey: the member keys of the new set
  --threshold T             propose rekey / rekey: its FROST signing threshold (1..n)
  --add K1,K2,…             rekey: member keys that join
  --remove K1,…             rekey: member keys that leave
  --nats URL[,URL…]         rekey: the members' NATS cluster (the key generation runs there)
  --group-key HEX           propose rekey: its x-only group key (64 hex digits)
  --mqtt URL                submit, rekey: this member's broker (mqtt://host:port)
  --timeout MS              submit: give up when no verdict came for this long (default 30000);
                            rekey: how long each phase waits for the other members (default 60000)
${DATA_HELP.replace('the chain\'s data folder', 'this member\'s data folder')}`,
  options: {
    out: { type: 'string' },
    keys: { type: 'string' },
    threshold: { type: 'string' },
    'group-key': { type: 'string' },
    mqtt: { type: 'string' },
    add: { type: 'string' },
    remove: { type: 'string' },
    nats: { type: 'string' },
    timeout: { type: 'string' },
  },
  async run(values, positionals, { crypto, out }) {
    const [action, ...rest] = positionals;
    const data = dataOf(values);
    switch (action) {
      case 'propose': {
        const file = str(values, 'out');
        if (file === undefined) throw new UsageError('give --out FILE: where to write the proposal', 'member');
        return memberPropose(crypto, data, rest, file, out, { keys: str(values, 'keys'), threshold: str(values, 'threshold'), groupKey: str(values, 'group-key') });
      }
      case 'approve':
        return memberApprove(crypto, onePositional(rest, 'member', 'the proposal file'), data, out);
      case 'submit':
        return memberSubmit(crypto, onePositional(rest, 'member', 'the proposal file'), { data, mqtt: str(values, 'mqtt'), timeout: str(values, 'timeout') }, out);
      case 'rekey':
        if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`, 'member');
        return memberRekey(crypto, {
          data, nats: str(values, 'nats'), add: str(values, 'add'), remove: str(values, 'remove'), threshold: str(values, 'threshold'),
          out: str(values, 'out'), mqtt: str(values, 'mqtt'), timeout: str(values, 'timeout'),
        }, out);
      default:
        throw new UsageError(action === undefined ? 'say what to do: member propose, approve, submit or rekey' : `unknown member action ${JSON.stringify(action)} (propose, approve, submit or rekey)`, 'member');
    }
  },
};
