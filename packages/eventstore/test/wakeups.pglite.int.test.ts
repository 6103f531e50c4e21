import { testPGlite } from '@casework/testkit';
import t from 'tap';
import { wakeupSuite } from './wakeupSuite.js';

wakeupSuite(t, (t) => testPGlite(t));
