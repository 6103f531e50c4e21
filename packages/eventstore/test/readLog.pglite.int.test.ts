import { testPGlite } from '@casework/testkit';
import t from 'tap';
import { readLogSuite } from './readLogSuite.js';

readLogSuite(t, (t) => testPGlite(t));
