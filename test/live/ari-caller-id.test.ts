import { LIVE } from './ari-support';
import { callerIdSuite } from './caller-id-support';

// The Stasis app of [pbxverify-inbound] is ${PBXVERIFY_STASIS_APP} = pbxverify-node1 (dialplan/asterisk).
callerIdSuite('asterisk', 'asterisk', { pbx: [LIVE], asterisk: { instanceSuffix: 'node1' } });
