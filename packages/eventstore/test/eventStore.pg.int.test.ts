import { testPostgres } from '@casework/testkit';
import t from 'tap';
import { eventStoreSuite } from './eventStoreSuite.js';

eventStoreSuite(t, (t) => testPostgres(t));
