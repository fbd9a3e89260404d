import { callerIdSuite } from './caller-id-support';
import { LIVE_URL, liveSettings } from './esl-support';

callerIdSuite('freeswitch', 'freeswitch', { pbx: [LIVE_URL], freeswitch: { soundsDir: liveSettings().soundsDir, dialString: liveSettings().dialString } });
